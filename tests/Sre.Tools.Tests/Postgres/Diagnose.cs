using System.Text;
using Sre.Tools.Agents;
using Sre.Tools.Model;
using Sre.Tools.Postgres;
using Sre.Tools.Synthesis;
using SynthesisResult = Sre.Tools.Synthesis.Synthesis;

namespace Sre.Tools.Tests.Postgres;

/// <summary>What one diagnosis produced: the findings (with the ids a session would give them) and
/// the rule-based synthesis over them.</summary>
public sealed record DiagnosisResult(IReadOnlyList<Finding> Findings, SynthesisResult Synthesis)
{
    public RootCause RootCause => Synthesis.RootCause;

    public IEnumerable<Finding> Of(string check, string? kind = null) =>
        Findings.Where(f => f.Check == check && (kind is null || f.Text("kind") == kind));

    /// <summary>Everything, for assertion messages: a failing scenario shows what the agent saw.</summary>
    public override string ToString()
    {
        var b = new StringBuilder();
        b.AppendLine($"ROOT CAUSE {RootCause.Category} (confidence {RootCause.Confidence}, culprit {RootCause.Culprit}): {RootCause.Summary}");
        foreach (var c in Synthesis.ContributingFactors) b.AppendLine($"  factor {c.Category}: {c.Summary}");
        foreach (var r in Synthesis.Recommendations) b.AppendLine($"  do [{r.Risk}] {r.Action}");
        foreach (var f in Findings) b.AppendLine($"  {f.Id} {f.Check}/{f.Text("kind")} {f.Severity}: {f.Title} | {f.Detail}");
        return b.ToString();
    }
}

/// <summary>Runs the PostgreSQL tool the way a database agent does (every check, a deadline, the
/// leased credential) and the rule-based synthesizer over its findings.</summary>
public static class Diagnose
{
    /// <summary>Production thresholds with durations short enough for a test to reach by waiting:
    /// a scenario waits until its session is this old rather than faking ages.</summary>
    public static PostgresThresholds TestThresholds { get; } = new()
    {
        IdleInTransactionWarning = TimeSpan.FromSeconds(1),
        LockWaitWarning = TimeSpan.FromMilliseconds(500),
        LongRunningQueryWarning = TimeSpan.FromSeconds(1),
    };

    public static async Task<DiagnosisResult> RunAsync(Target target, ICredentialLease? credential, string problem,
        PostgresThresholds? thresholds = null, IReadOnlyList<string>? checks = null, CancellationToken cancellationToken = default)
    {
        var tool = new PostgresDiagnostics(new PostgresDiagnosticsOptions { Thresholds = thresholds ?? TestThresholds });
        var run = new ToolRun("test-session", target, checks ?? tool.Checks.Select(c => c.Name).ToList(), credential, DateTimeOffset.UtcNow.AddSeconds(60));
        var findings = new List<Finding>();
        await foreach (var f in tool.RunAsync(run, cancellationToken))
            findings.Add(f with { Id = $"f-{findings.Count + 1}" });
        var synthesis = new RuleBasedSynthesizer().Synthesize(new SynthesisInput(
            new DiagnosisRequest(problem, "test"),
            findings,
            [new AgentSummary(AgentKind.Database, target.Name, "completed", findings.Count, null)]));
        var result = new DiagnosisResult(findings, synthesis);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString());
        return result;
    }
}
