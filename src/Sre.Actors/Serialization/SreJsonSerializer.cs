using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Sre.Actors.Sessions;
using Sre.Tools.Json;
using Sre.Tools.Secrets;

namespace Sre.Actors.Serialization;

/// <summary>System.Text.Json for every <see cref="ISreMessage"/>: persisted events stay readable and
/// stable (manifest = type name), and messages crossing nodes carry actor refs as paths.</summary>
public sealed class SreJsonSerializer : SerializerWithStringManifest
{
    public const int Id = 4711;

    private static readonly Lazy<IReadOnlyDictionary<string, Type>> TypesByManifest = new(() =>
        typeof(ISreMessage).Assembly.GetTypes()
            .Where(t => typeof(ISreMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .ToDictionary(ManifestOf, t => t, StringComparer.Ordinal));

    private readonly JsonSerializerOptions _options;

    public SreJsonSerializer(ExtendedActorSystem system) : base(system)
    {
        _options = new JsonSerializerOptions(SreJson.Options);
        _options.Converters.Add(new ActorRefConverter(system));
        _options.Converters.Add(new SecretBundleConverter());
        _options.Converters.Add(new PolymorphicConverter<ISessionEvent>());
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => ManifestOf(o.GetType());

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!TypesByManifest.Value.TryGetValue(manifest, out var type))
            throw new System.Runtime.Serialization.SerializationException($"Unknown message manifest '{manifest}'");
        return JsonSerializer.Deserialize(bytes, type, _options)!;
    }

    /// <summary>The stable name of a message type: its full name without the assembly's root namespace.</summary>
    public static string ManifestOf(Type t) => t.FullName!.Replace("Sre.Actors.", "", StringComparison.Ordinal);

    internal static Type TypeOf(string manifest) =>
        TypesByManifest.Value.TryGetValue(manifest, out var t) ? t : throw new JsonException($"Unknown type '{manifest}'");

    private sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override bool CanConvert(Type typeToConvert) => typeof(IActorRef).IsAssignableFrom(typeToConvert);

        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var path = reader.GetString();
            return string.IsNullOrEmpty(path) ? ActorRefs.Nobody : system.Provider.ResolveActorRef(path);
        }

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.IsNobody() ? "" : Akka.Serialization.Serialization.SerializedActorPath(value));
    }

    /// <summary>Only the Redeemed reply crosses nodes with a bundle (main → runner); bundles are never persisted.</summary>
    private sealed class SecretBundleConverter : JsonConverter<SecretBundle>
    {
        public override SecretBundle Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            var reference = SecretReference.Parse(doc.RootElement.GetProperty("reference").GetString()!);
            var fields = doc.RootElement.GetProperty("fields").EnumerateObject()
                .Select(p => KeyValuePair.Create(p.Name, p.Value.GetString() ?? "")).ToList();
            return new SecretBundle(reference, fields);
        }

        public override void Write(Utf8JsonWriter writer, SecretBundle value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("reference", value.Reference.ToString());
            writer.WriteStartObject("fields");
            foreach (var label in value.Labels) writer.WriteString(label, value.Field(label));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }

    /// <summary>Interface-typed members (an envelope's event) carry their manifest next to their value.</summary>
    private sealed class PolymorphicConverter<T> : JsonConverter<T> where T : class
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            var type = TypeOf(doc.RootElement.GetProperty("$type").GetString()!);
            return (T)doc.RootElement.GetProperty("value").Deserialize(type, options)!;
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("$type", ManifestOf(value.GetType()));
            writer.WritePropertyName("value");
            JsonSerializer.Serialize(writer, value, value.GetType(), options);
            writer.WriteEndObject();
        }
    }
}
