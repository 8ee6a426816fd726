namespace Sre.Tools.Postgres;

/// <summary>When an observation becomes a warning or critical finding. Defaults are starting points
/// from DIAGNOSIS.md; ratios are preferred over absolute numbers wherever the catalog gives a base.</summary>
public sealed record PostgresThresholds
{
    /// <summary>Share of usable slots (max_connections − superuser_reserved_connections) in use.</summary>
    public double ConnectionsWarningRatio { get; init; } = 0.75;
    public double ConnectionsCriticalRatio { get; init; } = 0.9;

    /// <summary>How long a session may sit idle inside an open transaction.</summary>
    public TimeSpan IdleInTransactionWarning { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan IdleInTransactionCritical { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A lock wait this long is a pile-up worth reporting; shorter waits are normal traffic.</summary>
    public TimeSpan LockWaitWarning { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan LockWaitCritical { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Waiters behind one root blocker from which the pile-up is critical regardless of age.</summary>
    public int LockWaitersCritical { get; init; } = 3;

    /// <summary>Duration of an active statement.</summary>
    public TimeSpan LongRunningQueryWarning { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan LongRunningQueryCritical { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>pg_stat_statements: mean execution time of a statement called at least <see cref="SlowQueryMinCalls"/> times.</summary>
    public TimeSpan SlowQueryMean { get; init; } = TimeSpan.FromMilliseconds(500);
    public int SlowQueryMinCalls { get; init; } = 5;
    /// <summary>A statement taking this share of all execution time in the database is worth naming even if each call is fast.</summary>
    public double SlowQueryShareOfTotal { get; init; } = 0.5;

    /// <summary>index_usage: a table with at least this many live rows is large.</summary>
    public long LargeTableRows { get; init; } = 100_000;
    /// <summary>Sequential scans of a large table before its scan pattern is judged.</summary>
    public long MinSeqScans { get; init; } = 50;
    /// <summary>Average rows read per sequential scan, as a share of the live rows: 0.5 means "mostly full scans".</summary>
    public double FullScanShare { get; init; } = 0.5;
    /// <summary>Unused indexes smaller than this are not worth mentioning.</summary>
    public long UnusedIndexMinBytes { get; init; } = 1L << 20;

    /// <summary>Dead tuples as a share of live + dead, from which a table is bloated.</summary>
    public double DeadTupleRatioWarning { get; init; } = 0.2;
    public double DeadTupleRatioCritical { get; init; } = 0.5;
    /// <summary>Tables with fewer dead tuples than this are ignored (small tables bloat harmlessly).</summary>
    public long MinDeadTuples { get; init; } = 10_000;

    /// <summary>Replay lag of a standby in bytes and time.</summary>
    public long ReplicationLagWarningBytes { get; init; } = 16L << 20;
    public long ReplicationLagCriticalBytes { get; init; } = 1L << 30;
    public TimeSpan ReplicationLagWarning { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan ReplicationLagCritical { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>WAL an inactive slot retains, as a share of max_wal_size.</summary>
    public double SlotRetainedWalRatio { get; init; } = 1.0;

    /// <summary>Transaction ID age as a share of the 2^31 wraparound horizon.</summary>
    public double XidAgeWarningRatio { get; init; } = 0.5;
    public double XidAgeCriticalRatio { get; init; } = 0.75;
    /// <summary>Buffer cache hit ratio below which reads go to disk too often (judged only with <see cref="CacheMinBlockAccesses"/>).</summary>
    public double CacheHitRatioWarning { get; init; } = 0.9;
    public long CacheMinBlockAccesses { get; init; } = 100_000;
    /// <summary>Temp file bytes written since the statistics reset, as a share of the database size.</summary>
    public double TempBytesToSizeRatioWarning { get; init; } = 1.0;

    /// <summary>How many items (sessions, statements, tables) a finding lists at most.</summary>
    public int TopN { get; init; } = 5;
}
