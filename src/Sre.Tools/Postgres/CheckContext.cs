using Sre.Tools.Model;

namespace Sre.Tools.Postgres;

/// <summary>What a check gets: its read-only session, the target, the thresholds and the agent's
/// own backends to leave out of statistics.</summary>
public sealed class CheckContext
{
    public required Target Target { get; init; }
    public required PostgresEndpoint Endpoint { get; init; }
    public required ReadOnlySession Session { get; init; }
    public required PostgresThresholds Thresholds { get; init; }
    /// <summary>Backend pids of the agent's connections in this run (passed as <c>@own</c>).</summary>
    public required int[] OwnPids { get; init; }

    /// <summary>The parameters every pg_stat_activity query uses to leave the agent's own sessions out:
    /// <c>@own</c> (its pids) and <c>@self</c> (its application_name, shared by concurrent runs).</summary>
    public (string, object)[] SelfFilter =>
        [("own", OwnPids), ("self", PostgresDiagnosticsOptions.ApplicationName)];
}
