using System.Reflection;
using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Llm;

/// <summary>The JSON schema of a synthesis answer: ranked hypotheses and recommendations, each
/// citing finding ids; categories limited to the API's list.</summary>
public static class SynthesisSchema
{
    public const string Answer = "submit_diagnosis";

    /// <summary>Risk levels a recommendation may carry.</summary>
    public static readonly IReadOnlyList<string> Risks = ["low", "medium", "high"];

    /// <summary>Every root-cause category of the API contract (the constants of <see cref="RootCauseCategory"/>).</summary>
    public static IReadOnlySet<string> Categories { get; } = typeof(RootCauseCategory)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Above this many findings the citation enum is left out (the validator still checks).</summary>
    public const int MaxEnumeratedIds = 500;

    public static JsonObject Build(IReadOnlyCollection<string> findingIds)
    {
        var evidence = new JsonObject
        {
            ["type"] = "array",
            ["description"] = "Ids of the findings this claim rests on (the findings' \"id\" values).",
            ["items"] = findingIds.Count is > 0 and <= MaxEnumeratedIds
                ? new JsonObject { ["type"] = "string", ["enum"] = LlmJson.Array(findingIds) }
                : new JsonObject { ["type"] = "string" },
        };
        return new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["required"] = LlmJson.Array(["hypotheses", "recommendations"]),
            ["properties"] = new JsonObject
            {
                ["hypotheses"] = new JsonObject
                {
                    ["type"] = "array",
                    ["description"] = "Ranked: the root cause first, then contributing factors.",
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["additionalProperties"] = false,
                        ["required"] = LlmJson.Array(["category", "summary", "culprit", "confidence", "evidence"]),
                        ["properties"] = new JsonObject
                        {
                            ["category"] = new JsonObject { ["type"] = "string", ["enum"] = LlmJson.Array(Categories.Order(StringComparer.Ordinal)) },
                            ["summary"] = new JsonObject { ["type"] = "string" },
                            ["culprit"] = new JsonObject { ["type"] = LlmJson.Array(["string", "null"]), ["description"] = "The application, table, query, pod or dependency at fault." },
                            ["confidence"] = new JsonObject { ["type"] = "number", ["description"] = "0 to 1." },
                            ["evidence"] = evidence.DeepClone(),
                        },
                    },
                },
                ["recommendations"] = new JsonObject
                {
                    ["type"] = "array",
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["additionalProperties"] = false,
                        ["required"] = LlmJson.Array(["action", "risk", "evidence"]),
                        ["properties"] = new JsonObject
                        {
                            ["action"] = new JsonObject { ["type"] = "string" },
                            ["risk"] = new JsonObject { ["type"] = "string", ["enum"] = LlmJson.Array(Risks) },
                            ["evidence"] = evidence.DeepClone(),
                        },
                    },
                },
            },
        };
    }
}
