using Sre.Tools.Agents;
using Sre.Tools.Model;
using Sre.Tools.Planning;

namespace Sre.Tools.Llm;

/// <summary>The credential requests a human approves, built from validated assignments only: the
/// reference, the targets and the registry's own check descriptions. No model text reaches the
/// approval prompt.</summary>
public static class PlanAccess
{
    public static IReadOnlyList<AccessRequest> Build(IEnumerable<AgentAssignment> assignments, DiagnosticToolRegistry tools) => assignments
        .Where(a => a.Credential is not null)
        .GroupBy(a => a.Credential!, StringComparer.Ordinal)
        .Select(g => new AccessRequest(
            g.Key,
            RuleBasedPlanner.ReadOnlyAccess,
            "Read-only access to " + string.Join("; ", g.Select(a => $"'{a.Target}' for the {a.Agent} checks {Describe(a, tools)}")),
            g.Select(a => a.Agent).Distinct(StringComparer.OrdinalIgnoreCase).ToList()))
        .ToList();

    private static string Describe(AgentAssignment assignment, DiagnosticToolRegistry tools)
    {
        var known = tools.Find(assignment.Agent)?.Checks ?? [];
        return string.Join(", ", assignment.Checks.Select(c =>
            known.FirstOrDefault(k => k.Name == c) is { Description.Length: > 0 } info ? $"{c} ({info.Description})" : c));
    }
}
