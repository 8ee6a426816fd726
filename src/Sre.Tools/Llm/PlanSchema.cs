using System.Text.Json.Nodes;
using Sre.Tools.Agents;
using Sre.Tools.Model;

namespace Sre.Tools.Llm;

/// <summary>The JSON schema of a plan (and of a follow-up round), strict-mode compatible: every
/// property required, no extras, names constrained to the catalog. Servers that ignore the schema
/// are caught by <see cref="PlanValidator"/> anyway.</summary>
public static class PlanSchema
{
    public const string PlanAnswer = "submit_plan";
    public const string FollowUpAnswer = "submit_follow_up";

    public static JsonObject Build(DiagnosisEnvironment environment, DiagnosticToolRegistry tools, bool followUp = false)
    {
        var targets = LlmCatalog.Examinable(environment, tools);
        var agents = targets.Select(t => t.Agent).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var checks = agents.SelectMany(a => tools.Find(a)!.Checks.Select(c => c.Name)).Distinct(StringComparer.Ordinal).ToList();

        var assignment = new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["required"] = LlmJson.Array(["agent", "target", "checks", "credential", "reason"]),
            ["properties"] = new JsonObject
            {
                ["agent"] = Names(agents, "The agent kind that examines the target."),
                ["target"] = Names(targets.Select(t => t.Name), "A target name from the catalog."),
                ["checks"] = new JsonObject
                {
                    ["type"] = "array",
                    ["description"] = "Checks of that agent to run; at least one.",
                    ["items"] = Names(checks, null),
                },
                ["credential"] = new JsonObject
                {
                    ["type"] = LlmJson.Array(["string", "null"]),
                    ["description"] = "The target's credential reference exactly as in the catalog, or null when it has none.",
                },
                ["reason"] = new JsonObject { ["type"] = "string", ["description"] = "Why this helps explain the problem, one sentence." },
            },
        };
        var properties = new JsonObject
        {
            ["rationale"] = new JsonObject { ["type"] = "string", ["description"] = "How the plan follows from the problem, two sentences at most." },
            ["assignments"] = new JsonObject { ["type"] = "array", ["items"] = assignment },
        };
        List<string> required = ["rationale", "assignments"];
        if (followUp)
        {
            properties["done"] = new JsonObject { ["type"] = "boolean", ["description"] = "True when the findings already explain the problem and nothing more is needed." };
            required.Add("done");
        }
        return new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["required"] = LlmJson.Array(required),
            ["properties"] = properties,
        };
    }

    private static JsonObject Names(IEnumerable<string> names, string? description)
    {
        var schema = new JsonObject { ["type"] = "string" };
        var list = names.ToList();
        if (list.Count > 0) schema["enum"] = LlmJson.Array(list);
        if (description is not null) schema["description"] = description;
        return schema;
    }
}
