namespace Sre.Tools.Postgres;

/// <summary>How the PostgreSQL agent behaves on the target: how long it lets each statement run,
/// how many connections it may hold, and the thresholds its findings use.</summary>
public sealed record PostgresDiagnosticsOptions
{
    /// <summary>The application_name the agent's sessions carry; its own backends are left out of every statistic.</summary>
    public const string ApplicationName = "sre-diagnostics";

    public PostgresThresholds Thresholds { get; init; } = new();

    /// <summary>SET LOCAL statement_timeout for every diagnostic query (capped by the run's deadline).</summary>
    public TimeSpan StatementTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>SET LOCAL lock_timeout: catalog reads must never queue behind an application's locks.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Connections the agent may open at once; it settles for fewer when the server refuses more.
    /// Two lets a slow check (pg_stat_statements on a busy server) run beside the others, while every
    /// extra backend pays its own catalog-cache warm-up and takes a slot from a database that may be
    /// short of them (docs/BENCHMARKS.md compares 1, 2 and 3).</summary>
    public int MaxConnections { get; init; } = 2;

    /// <summary>Upper bound on a TCP connect + login (capped by the run's deadline).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
