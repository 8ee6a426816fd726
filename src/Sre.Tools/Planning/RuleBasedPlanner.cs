using System.Text.RegularExpressions;
using Sre.Tools.Agents;
using Sre.Tools.Model;

namespace Sre.Tools.Planning;

/// <summary>The embedded default planner: picks agents by the layers the problem text mentions and
/// runs every check of each chosen agent on every matching target. When the text names no layer,
/// everything the environment has is examined — a slower answer beats a missed cause.</summary>
public sealed partial class RuleBasedPlanner(DiagnosticToolRegistry tools) : IPlanner
{
    public const string ReadOnlyAccess = "read-only";

    public Task<DiagnosisPlan> PlanAsync(DiagnosisRequest request, DiagnosisEnvironment environment, CancellationToken cancellationToken)
    {
        var wanted = AgentsMentioned(request);
        var warnings = new List<string>();
        var candidates = environment.Targets.Where(t => tools.Find(t.Agent) is not null).ToList();
        foreach (var t in environment.Targets.Where(t => tools.Find(t.Agent) is null))
            warnings.Add($"Target '{t.Name}' ({t.Kind}) was not examined: no {t.Agent} agent is available on this server.");

        var chosen = candidates.Where(t => wanted.Contains(t.Agent)).ToList();
        var rationale = chosen.Count > 0
            ? $"The problem mentions {string.Join(", ", wanted.Order())}; examining the matching targets."
            : "The problem names no specific layer; examining every target in the environment.";
        if (chosen.Count == 0) chosen = candidates;

        var assignments = chosen
            .Select(t => new AgentAssignment(
                t.Agent, t.Name,
                tools.Find(t.Agent)!.Checks.Select(c => c.Name).ToList(),
                t.Credential,
                $"Examine {t.Kind} target '{t.Name}' for {Describe(t.Agent)}"))
            .ToList();

        var access = assignments
            .Where(a => a.Credential is not null)
            .GroupBy(a => a.Credential!, StringComparer.OrdinalIgnoreCase)
            .Select(g => new AccessRequest(
                g.Key, ReadOnlyAccess,
                $"Read-only access to {string.Join(", ", g.Select(a => $"'{a.Target}'"))} to inspect {string.Join("; ", g.Select(a => Describe(a.Agent)).Distinct())}",
                g.Select(a => a.Agent).Distinct().ToList()))
            .ToList();

        return Task.FromResult(new DiagnosisPlan
        {
            Assignments = assignments,
            Access = access,
            Rationale = rationale,
            Planner = "rules",
            Warnings = warnings,
        });
    }

    /// <summary>The agent kinds whose layer the problem text (and context) talks about.</summary>
    public static IReadOnlySet<string> AgentsMentioned(DiagnosisRequest request)
    {
        var text = request.Problem + " " + string.Join(" ", request.Context?.Values ?? []);
        var agents = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (DatabaseWords().IsMatch(text)) agents.Add(AgentKind.Database);
        if (KubernetesWords().IsMatch(text)) agents.Add(AgentKind.Kubernetes);
        if (CloudWords().IsMatch(text)) agents.Add(AgentKind.Cloud);
        if (LogWords().IsMatch(text)) agents.Add(AgentKind.Logs);
        return agents;
    }

    private static string Describe(string agent) => agent switch
    {
        AgentKind.Database => "connections, locks, slow queries, indexes, bloat and replication",
        AgentKind.Kubernetes => "pod restarts, OOM kills, scheduling, events and endpoints",
        AgentKind.Cloud => "alarms and resource metrics",
        AgentKind.Logs => "error spikes and failing dependencies",
        _ => agent,
    };

    [GeneratedRegex(@"\b(database|db|postgres\w*|psql|sql|connection\w*|pool|quer(y|ies)|lock\w*|deadlock\w*|replica\w*|replication|index\w*|vacuum|bloat|transaction\w*|too many clients|slow)\b", RegexOptions.IgnoreCase)]
    private static partial Regex DatabaseWords();

    [GeneratedRegex(@"\b(k8s|kubernetes|kube\w*|pods?|containers?|deploy\w*|crash\w*|oom\w*|restart\w*|images?|node|nodes|namespace|ingress|service|endpoints?|evict\w*|pending)\b", RegexOptions.IgnoreCase)]
    private static partial Regex KubernetesWords();

    [GeneratedRegex(@"\b(aws|cloudwatch|rds|ec2|elb|alb|alarms?|cpu|memory|latency|throttl\w*|saturat\w*|instance\w*)\b", RegexOptions.IgnoreCase)]
    private static partial Regex CloudWords();

    [GeneratedRegex(@"\b(logs?|errors?|exceptions?|5\d\d|failures?|failing|stack ?traces?|timeouts?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex LogWords();
}
