using Sre.Tools.Agents;

namespace Sre.Tools.Postgres;

/// <summary>The names of the PostgreSQL agent's checks, shared by the tool and the root-cause rules.</summary>
public static class PostgresChecks
{
    public const string Reachability = "reachability";
    public const string Connections = "connections";
    public const string Locks = "locks";
    public const string LongRunningQueries = "long_running_queries";
    public const string SlowQueries = "slow_queries";
    public const string IndexUsage = "index_usage";
    public const string TableBloat = "table_bloat";
    public const string Replication = "replication";
    public const string DatabaseHealth = "database_health";

    /// <summary>Every check with what it looks at, in the order a DBA would read them.</summary>
    public static IReadOnlyList<CheckInfo> All { get; } =
    [
        new(Reachability, "Connect with the target's credential; classify a refusal (unreachable, auth failure, missing database, too many clients)"),
        new(Connections, "Connections vs max_connections minus reserved slots, by application, user, client address and state; idle and idle-in-transaction ages; churn"),
        new(Locks, "Blocking tree from pg_blocking_pids: root blockers with application, query, transaction age, relation and waiter count"),
        new(LongRunningQueries, "Active statements by duration from pg_stat_activity"),
        new(SlowQueries, "Top statements by total and mean execution time from pg_stat_statements"),
        new(IndexUsage, "Large tables read by sequential scans, the statements driving them and their WHERE columns; unused indexes"),
        new(TableBloat, "Dead vs live tuples, last (auto)vacuum, autovacuum disabled per table"),
        new(Replication, "Standby lag in bytes and time, stalled replay, replication slots retaining WAL"),
        new(DatabaseHealth, "Deadlocks, temp files, transaction ID wraparound age, cache hit ratio, size"),
    ];
}

/// <summary>Why the agent could not get a session, as the reachability finding's <c>failure</c> field.</summary>
public static class ConnectFailure
{
    public const string Unreachable = "unreachable";
    public const string AuthFailure = "auth_failure";
    public const string DatabaseMissing = "database_missing";
    public const string TooManyClients = "too_many_clients";
    public const string Other = "other";
}
