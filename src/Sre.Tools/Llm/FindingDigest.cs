using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Llm;

/// <summary>Findings as the model sees them: redacted field by field (before JSON escaping could
/// hide a secret from the redactor), most severe and most recent first, within a token budget.
/// Large <c>data</c> is summarised structurally (counts, first items, shortened strings), so what
/// is sent is always whole JSON; findings that do not fit are listed by id only.</summary>
public static class FindingDigest
{
    /// <summary>Serialized <c>data</c> longer than this is summarised.</summary>
    public const int MaxDataChars = 1500;
    public const int MaxDetailChars = 800;
    public const int MaxStringChars = 200;
    public const int MaxArrayItems = 3;
    public const int MaxObjectProperties = 20;
    public const int MaxDepth = 3;

    /// <summary>A rough, conservative token count (about four characters a token).</summary>
    public static int EstimateTokens(string text) => (text.Length + 3) / 4;

    public static JsonObject Build(IReadOnlyList<Finding> findings, int tokenBudget, LlmRedaction redaction)
    {
        var kept = new JsonArray();
        var omitted = new List<string>();
        var used = 0;
        foreach (var finding in findings.OrderByDescending(f => f.Severity).ThenByDescending(f => f.At).ThenBy(f => f.Id, StringComparer.Ordinal))
        {
            JsonObject? fitting = null;
            foreach (var candidate in new[] { Render(finding, redaction, compact: false), Render(finding, redaction, compact: true) })
            {
                var cost = EstimateTokens(LlmJson.Write(candidate));
                if (used + cost > tokenBudget) continue;
                used += cost;
                fitting = candidate;
                break;
            }
            if (fitting is null) omitted.Add(finding.Id);
            else kept.Add(fitting);
        }
        var digest = new JsonObject { ["findings"] = kept };
        if (omitted.Count > 0)
            digest["omitted"] = new JsonObject
            {
                ["count"] = omitted.Count,
                ["note"] = "Less severe findings left out to fit the budget; their ids exist and may be cited.",
                ["ids"] = LlmJson.Array(omitted),
            };
        return digest;
    }

    private static JsonObject Render(Finding f, LlmRedaction redaction, bool compact)
    {
        var node = new JsonObject
        {
            ["id"] = f.Id,
            ["agent"] = f.Agent,
            ["target"] = f.Target,
            ["check"] = f.Check,
            ["severity"] = f.Severity.ToString().ToLowerInvariant(),
            ["title"] = Shorten(redaction.Redact(f.Title), MaxStringChars * 2),
            ["detail"] = Shorten(redaction.Redact(f.Detail), compact ? MaxStringChars : MaxDetailChars),
            ["at"] = f.At.ToString("O"),
        };
        if (!compact && f.Data is { } data)
        {
            var clean = (JsonObject)Scrub(data, redaction)!;
            node["data"] = LlmJson.Write(clean).Length <= MaxDataChars ? clean : Summarise(clean, 0);
        }
        return node;
    }

    /// <summary>A deep copy with every string (keys included) redacted.</summary>
    private static JsonNode? Scrub(JsonNode? node, LlmRedaction redaction) => node switch
    {
        JsonObject o => ScrubObject(o, redaction),
        JsonArray a => new JsonArray(a.Select(i => Scrub(i, redaction)).ToArray()),
        JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(redaction.Redact(s)),
        _ => node?.DeepClone(),
    };

    private static JsonObject ScrubObject(JsonObject o, LlmRedaction redaction)
    {
        var result = new JsonObject();
        foreach (var (key, value) in o)
        {
            // Two keys that are both secrets redact to the same mask: keep both, numbered.
            var clean = redaction.Redact(key);
            var unique = clean;
            for (var n = 2; result.ContainsKey(unique); n++) unique = $"{clean}#{n}";
            result[unique] = Scrub(value, redaction);
        }
        return result;
    }

    private static JsonNode? Summarise(JsonNode? node, int depth) => node switch
    {
        JsonObject o when depth >= MaxDepth => JsonValue.Create($"{{object with {o.Count} keys}}"),
        JsonObject o => SummariseObject(o, depth),
        JsonArray a when depth >= MaxDepth => JsonValue.Create($"[{a.Count} items]"),
        JsonArray a => new JsonObject
        {
            ["count"] = a.Count,
            ["first"] = new JsonArray(a.Take(MaxArrayItems).Select(i => Summarise(i, depth + 1)).ToArray()),
        },
        JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(Shorten(s, MaxStringChars)),
        _ => node?.DeepClone(),
    };

    private static JsonObject SummariseObject(JsonObject o, int depth)
    {
        var result = new JsonObject();
        foreach (var (key, value) in o.Take(MaxObjectProperties)) result[key] = Summarise(value, depth + 1);
        if (o.Count > MaxObjectProperties) result["_moreKeys"] = o.Count - MaxObjectProperties;
        if (depth == 0) result["_summarised"] = true;
        return result;
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
