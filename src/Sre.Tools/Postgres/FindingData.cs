using System.Text.Json.Nodes;

namespace Sre.Tools.Postgres;

/// <summary>Builds finding data. Numbers are stored as long or double only, because
/// <see cref="Model.Finding.Number"/> reads those two (an int would read as absent).</summary>
public static class FindingData
{
    public static JsonObject Counts(IEnumerable<KeyValuePair<string, long>> counts)
    {
        var o = new JsonObject();
        foreach (var (k, v) in counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            o[k] = v;
        return o;
    }

    public static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public static JsonArray Numbers(IEnumerable<long> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public static JsonArray Objects(IEnumerable<JsonObject> values) => new(values.Cast<JsonNode?>().ToArray());

    /// <summary>Seconds rounded to a tenth, enough for ages and durations.</summary>
    public static double Seconds(double seconds) => Math.Round(seconds, 1);

    public static double Ratio(double ratio) => Math.Round(ratio, 4);

    public static string? Iso(DateTimeOffset? t) => t?.ToString("O");
}
