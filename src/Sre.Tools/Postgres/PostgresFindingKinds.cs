namespace Sre.Tools.Postgres;

/// <summary>A check can yield several shapes of finding; the <c>kind</c> data field says which,
/// so rules pick the right ones without guessing from the keys present.</summary>
public static class PostgresFindingKinds
{
    public const string Connected = "connected";
    public const string ConnectFailed = "connect_failed";
    /// <summary>connections: slot usage and who holds the slots.</summary>
    public const string Usage = "usage";
    /// <summary>connections: one session idle inside an open transaction.</summary>
    public const string IdleInTransaction = "idle_in_transaction";
    /// <summary>locks: one root blocker and the sessions waiting behind it.</summary>
    public const string Blocker = "blocker";
    /// <summary>long_running_queries: one active statement.</summary>
    public const string Query = "query";
    /// <summary>slow_queries: one statement over the slow threshold.</summary>
    public const string Statement = "statement";
    /// <summary>slow_queries: the top-N lists.</summary>
    public const string TopStatements = "top_statements";
    /// <summary>index_usage: a large table read by sequential scans.</summary>
    public const string SeqScanHeavy = "seq_scan_heavy";
    public const string UnusedIndexes = "unused_indexes";
    /// <summary>table_bloat: one table with many dead tuples.</summary>
    public const string Table = "table";
    /// <summary>replication: one standby as the primary sees it.</summary>
    public const string Standby = "standby";
    /// <summary>replication: one replication slot that retains WAL.</summary>
    public const string Slot = "slot";
    /// <summary>replication: the target itself is a standby.</summary>
    public const string Recovery = "recovery";
    /// <summary>database_health: the deadlock counter.</summary>
    public const string Deadlocks = "deadlocks";
    /// <summary>Any check: nothing abnormal, or a view/extension that is not there.</summary>
    public const string Summary = "summary";
    public const string Unavailable = "unavailable";
    /// <summary>Any check: it failed or ran out of time; the finding says which and why.</summary>
    public const string Incomplete = "incomplete";
}
