using System.Text.Json.Nodes;
using Sre.Tools.Agents;
using Sre.Tools.Model;

namespace Sre.Tools.Llm;

/// <summary>Turns what a model proposed into assignments the catalog allows. The catalog and the
/// tool registry are the authority: an unknown target, agent or check, or a credential reference
/// that is not the target's own, is dropped with a warning and never executed.</summary>
public sealed class PlanValidator(DiagnosticToolRegistry tools, LlmRedaction redaction)
{
    public const int MaxReasonLength = 300;

    public ValidatedPlan Validate(JsonObject answer, DiagnosisEnvironment environment)
    {
        var warnings = new List<string>();
        var accepted = new Dictionary<string, AgentAssignment>(StringComparer.OrdinalIgnoreCase);
        var environmentReferences = environment.Targets.Select(t => t.Credential).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var examinable = LlmCatalog.Examinable(environment, tools);

        foreach (var proposed in LlmJson.Objects(answer, "assignments"))
        {
            var targetName = LlmJson.Text(proposed, "target");
            var agentName = LlmJson.Text(proposed, "agent");
            var reference = LlmJson.Text(proposed, "credential");
            var what = $"{Echo(agentName)} on '{Echo(targetName)}'";

            var target = examinable.FirstOrDefault(t => string.Equals(t.Name, targetName, StringComparison.OrdinalIgnoreCase));
            if (target is null)
            {
                warnings.Add(environment.FindTarget(targetName ?? "") is null
                    ? $"Dropped {what}: target '{Echo(targetName)}' is not in the '{environment.Name}' catalog."
                    : $"Dropped {what}: no agent on this server can examine target '{Echo(targetName)}'.");
                continue;
            }
            var tool = tools.Find(agentName ?? "");
            if (tool is null)
            {
                warnings.Add($"Dropped {what}: there is no agent '{Echo(agentName)}'.");
                continue;
            }
            if (!string.Equals(tool.Agent, target.Agent, StringComparison.OrdinalIgnoreCase))
            {
                warnings.Add($"Dropped {what}: the {tool.Agent} agent cannot examine {target.Kind} target '{target.Name}'.");
                continue;
            }
            if (!string.IsNullOrWhiteSpace(reference) && !string.Equals(reference, target.Credential, StringComparison.Ordinal))
            {
                warnings.Add(environmentReferences.Contains(reference)
                    ? $"Dropped {what}: credential reference '{Echo(reference)}' belongs to another target, not '{target.Name}'."
                    : $"Dropped {what}: credential reference '{Echo(reference)}' is not in the '{environment.Name}' catalog.");
                continue;
            }

            var checks = new List<string>();
            foreach (var name in LlmJson.Strings(proposed, "checks"))
            {
                var check = tool.Checks.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
                if (check is null) warnings.Add($"Dropped check '{Echo(name)}' of {tool.Agent} on '{target.Name}': the {tool.Agent} agent has no such check.");
                else if (!checks.Contains(check.Name)) checks.Add(check.Name);
            }
            if (checks.Count == 0)
            {
                warnings.Add($"Dropped {tool.Agent} on '{target.Name}': no check it names exists.");
                continue;
            }

            var reason = LlmJson.Echo(redaction, LlmJson.Text(proposed, "reason"), MaxReasonLength);
            var assignment = new AgentAssignment(tool.Agent, target.Name, checks,
                // The catalog decides the credential; the model may only confirm it or leave it out.
                target.Credential,
                reason.Length > 0 ? reason : $"Proposed by the model for {target.Kind} target '{target.Name}'");
            accepted[assignment.Key] = accepted.TryGetValue(assignment.Key, out var earlier)
                ? earlier with { Checks = earlier.Checks.Union(checks, StringComparer.Ordinal).ToList() }
                : assignment;
        }
        return new ValidatedPlan(accepted.Values.ToList(), warnings);
    }

    private string Echo(string? text) => LlmJson.Echo(redaction, text, 60);
}

/// <summary>Assignments that survived validation and what was dropped on the way.</summary>
public sealed record ValidatedPlan(IReadOnlyList<AgentAssignment> Assignments, IReadOnlyList<string> Warnings);
