using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres;

/// <summary>Reads the structured parts of finding data (flags, lists, nested objects) that
/// <see cref="Finding.Text"/> and <see cref="Finding.Number"/> do not cover. Works both on data the
/// tool built and on data read back from JSON.</summary>
public static class FindingDataExtensions
{
    public static bool Flag(this Finding f, string key) =>
        f.Data?[key] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public static IReadOnlyList<string> Strings(this Finding f, string key) =>
        f.Data?[key] is JsonArray a ? a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToList() : [];

    public static IReadOnlyList<long> Longs(this Finding f, string key) =>
        f.Data?[key] is JsonArray a ? a.Select(n => n is JsonValue v ? AsNumber(v) : null).OfType<double>().Select(d => (long)d).ToList() : [];

    public static IReadOnlyList<JsonObject> Objects(this Finding f, string key) =>
        f.Data?[key] is JsonArray a ? a.OfType<JsonObject>().ToList() : [];

    public static IReadOnlyList<string> Keys(this Finding f, string key) =>
        f.Data?[key] is JsonObject o ? o.Select(kv => kv.Key).ToList() : [];

    public static string? Text(this JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static double? Number(this JsonObject o, string key) => o[key] is JsonValue v ? AsNumber(v) : null;

    private static double? AsNumber(JsonValue v) =>
        v.TryGetValue<double>(out var d) ? d : v.TryGetValue<long>(out var l) ? l : v.TryGetValue<int>(out var i) ? i : null;
}
