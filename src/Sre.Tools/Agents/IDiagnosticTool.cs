using Sre.Tools.Model;

namespace Sre.Tools.Agents;

/// <summary>A diagnostic capability (PostgreSQL, Kubernetes, CloudWatch, logs). Tools are plain
/// async code: they run their checks (concurrently where it helps) and yield each finding the
/// moment it exists. A tool never throws for a problem it found: a refused connection is a
/// finding, not a crash.</summary>
public interface IDiagnosticTool
{
    /// <summary>The agent kind this tool serves (see <see cref="AgentKind"/>).</summary>
    string Agent { get; }

    /// <summary>The checks the tool knows; plans may only name these.</summary>
    IReadOnlyList<CheckInfo> Checks { get; }

    IAsyncEnumerable<Finding> RunAsync(ToolRun run, CancellationToken cancellationToken);
}

/// <summary>A check a tool can run, with what it looks at (shown to planners and in plans).</summary>
public sealed record CheckInfo(string Name, string Description);

/// <summary>One invocation of a tool: the target, which checks, and the credential to redeem at use
/// time (null when the target needs none).</summary>
public sealed record ToolRun(
    string SessionId,
    Target Target,
    IReadOnlyList<string> Checks,
    ICredentialLease? Credential,
    DateTimeOffset Deadline);
