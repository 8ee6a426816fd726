using System.Text.Json.Nodes;
using Sre.Tools.Agents;
using Sre.Tools.Model;

namespace Sre.Tools.Llm;

/// <summary>What the model may choose from: the environment's targets (name, kind, agent and the
/// credential reference — never settings or secrets) and the agents this server runs with their
/// checks. Only targets some available agent can examine are offered.</summary>
public static class LlmCatalog
{
    public static IReadOnlyList<Target> Examinable(DiagnosisEnvironment environment, DiagnosticToolRegistry tools) =>
        environment.Targets.Where(t => TargetKind.All.Contains(t.Kind.ToLowerInvariant()) && tools.Find(t.Agent) is not null).ToList();

    public static JsonObject Describe(DiagnosisEnvironment environment, DiagnosticToolRegistry tools)
    {
        var targets = Examinable(environment, tools);
        var agents = targets.Select(t => t.Agent).Distinct(StringComparer.OrdinalIgnoreCase).Select(a => tools.Find(a)!);
        return new JsonObject
        {
            ["environment"] = environment.Name,
            ["targets"] = new JsonArray(targets.Select(t => (JsonNode?)new JsonObject
            {
                ["name"] = t.Name,
                ["kind"] = t.Kind,
                ["agent"] = t.Agent,
                ["credential"] = t.Credential,
            }).ToArray()),
            ["agents"] = new JsonArray(agents.Select(a => (JsonNode?)new JsonObject
            {
                ["agent"] = a.Agent,
                ["checks"] = new JsonArray(a.Checks.Select(c => (JsonNode?)new JsonObject
                {
                    ["name"] = c.Name,
                    ["description"] = c.Description,
                }).ToArray()),
            }).ToArray()),
        };
    }

    /// <summary>Warnings for targets no agent on this server can examine (the rules say the same).</summary>
    public static IEnumerable<string> Unexaminable(DiagnosisEnvironment environment, DiagnosticToolRegistry tools) =>
        environment.Targets.Except(Examinable(environment, tools))
            .Select(t => $"Target '{t.Name}' ({t.Kind}) was not examined: no agent for it is available on this server.");
}
