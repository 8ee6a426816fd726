using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sre.Tools.Llm;

/// <summary>Reading model answers leniently (a wrong type in one field loses that field, not the
/// answer) and writing prompt material readably.</summary>
internal static class LlmJson
{
    /// <summary>Prompts are read by a model, not a browser: keep quotes, '+' and '&lt;' as they are.</summary>
    public static readonly JsonSerializerOptions Prompt = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static string Write(JsonNode node) => node.ToJsonString(Prompt);

    public static string? Text(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static double? Number(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v
            ? v.TryGetValue<double>(out var d) ? d
              : v.TryGetValue<string>(out var s) && double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p
              : null
            : null;

    public static bool? Bool(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    public static IReadOnlyList<JsonObject> Objects(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonArray a ? a.OfType<JsonObject>().ToList() : [];

    public static IReadOnlyList<string> Strings(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonArray a
            ? a.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToList()
            : node is JsonObject o2 && o2[key] is JsonValue single && single.TryGetValue<string>(out var one) ? [one] : [];

    public static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    /// <summary>Model text echoed into warnings or reports: redacted, one line, bounded.</summary>
    public static string Echo(LlmRedaction redaction, string? text, int max = 80)
    {
        var clean = redaction.Redact(text ?? "").ReplaceLineEndings(" ").Trim();
        return clean.Length <= max ? clean : clean[..max] + "…";
    }
}
