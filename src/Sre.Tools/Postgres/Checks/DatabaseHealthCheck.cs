using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres.Checks;

/// <summary>The database's vital signs from pg_stat_database and pg_database: deadlocks, temp
/// files, transaction ID wraparound age, buffer cache hit ratio and size. Deadlocks get their own
/// finding (with a rate over the statistics window) because a rule names them as a cause.</summary>
public sealed class DatabaseHealthCheck : PostgresCheck
{
    private const string Sql = """
        SELECT d.datname::text AS db, d.deadlocks, d.temp_files, d.temp_bytes, d.blks_hit, d.blks_read,
               d.xact_commit, d.xact_rollback, d.conflicts, coalesce(d.checksum_failures, 0)::int8 AS checksum_failures,
               coalesce(d.stats_reset, pg_postmaster_start_time()) AS since,
               extract(epoch FROM now() - coalesce(d.stats_reset, pg_postmaster_start_time()))::float8 AS window_seconds,
               pg_database_size(d.datid)::int8 AS bytes,
               age(db.datfrozenxid)::int8 AS xid_age,
               (SELECT x.datname::text FROM pg_database x ORDER BY age(x.datfrozenxid) DESC LIMIT 1) AS oldest_db,
               (SELECT max(age(x.datfrozenxid)) FROM pg_database x)::int8 AS oldest_xid_age
        FROM pg_stat_database d
        JOIN pg_database db ON db.oid = d.datid
        WHERE d.datname = current_database()
        """;

    /// <summary>Transaction IDs wrap around at 2^31; PostgreSQL stops accepting writes shortly before.</summary>
    private const double WraparoundHorizon = 2147483648;

    public override string Name => PostgresChecks.DatabaseHealth;

    public override async Task<IReadOnlyList<Finding>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var t = context.Thresholds;
        var h = await context.Session.SingleAsync(Sql, r => new Health(
            r.Text("db")!, r.Long("deadlocks"), r.Long("temp_files"), r.Long("temp_bytes"), r.Long("blks_hit"), r.Long("blks_read"),
            r.Long("xact_commit"), r.Long("xact_rollback"), r.Long("conflicts"), r.Long("checksum_failures"),
            r.Time("since"), r.Double("window_seconds"), r.Long("bytes"), r.Long("xid_age"), r.Text("oldest_db"), r.Long("oldest_xid_age")), cancellationToken);

        var accesses = h.BlocksHit + h.BlocksRead;
        double? hitRatio = accesses > 0 ? (double)h.BlocksHit / accesses : null;
        var xidRatio = h.OldestXidAge / WraparoundHorizon;
        var tempRatio = h.Bytes > 0 ? (double)h.TempBytes / h.Bytes : 0;

        var problems = new List<(Severity Severity, string Text)>();
        var xidSeverity = Grade(xidRatio, t.XidAgeWarningRatio, t.XidAgeCriticalRatio);
        if (xidSeverity > Severity.Info)
            problems.Add((xidSeverity, $"database '{h.OldestDatabase}' is {Humanize.Count(h.OldestXidAge)} transactions old ({Humanize.Percent(xidRatio)} of the wraparound horizon): VACUUM (FREEZE) its oldest tables"));
        if (hitRatio < t.CacheHitRatioWarning && accesses >= t.CacheMinBlockAccesses)
            problems.Add((Severity.Warning, $"cache hit ratio {hitRatio:P1}: reads go to disk; shared_buffers may be too small for the working set"));
        if (tempRatio >= t.TempBytesToSizeRatioWarning && h.TempBytes > 0)
            problems.Add((Severity.Warning, $"{Humanize.Bytes(h.TempBytes)} written to {Humanize.Count(h.TempFiles)} temp files: sorts and hashes spill past work_mem"));
        if (h.ChecksumFailures > 0)
            problems.Add((Severity.Critical, $"{h.ChecksumFailures} data checksum failure(s): storage corruption"));

        var findings = new List<Finding>
        {
            NewFinding(context, problems.Count == 0 ? Severity.Info : problems.Max(p => p.Severity), PostgresFindingKinds.Summary,
                problems.Count == 0
                    ? $"Database '{h.Database}' ({Humanize.Bytes(h.Bytes)}) looks healthy"
                    : $"Database '{h.Database}': {string.Join("; ", problems.Select(p => p.Text))}",
                $"Since {h.Since:u}: {Humanize.Count(h.Commits)} commits, {Humanize.Count(h.Rollbacks)} rollbacks, {h.Deadlocks} deadlocks, " +
                $"{Humanize.Count(h.TempFiles)} temp files ({Humanize.Bytes(h.TempBytes)}), cache hit ratio {(hitRatio is { } hr ? hr.ToString("P1") : "n/a")}, " +
                $"oldest transaction ID age {Humanize.Count(h.OldestXidAge)} in '{h.OldestDatabase}'.",
                new JsonObject
                {
                    ["database"] = h.Database,
                    ["sizeBytes"] = h.Bytes,
                    ["deadlocks"] = h.Deadlocks,
                    ["tempFiles"] = h.TempFiles,
                    ["tempBytes"] = h.TempBytes,
                    ["cacheHitRatio"] = hitRatio is { } r ? FindingData.Ratio(r) : null,
                    ["blockAccesses"] = accesses,
                    ["commits"] = h.Commits,
                    ["rollbacks"] = h.Rollbacks,
                    ["conflicts"] = h.Conflicts,
                    ["checksumFailures"] = h.ChecksumFailures,
                    ["xidAge"] = h.XidAge,
                    ["oldestXidAge"] = h.OldestXidAge,
                    ["oldestXidDatabase"] = h.OldestDatabase,
                    ["xidAgeRatio"] = FindingData.Ratio(xidRatio),
                    ["statsSince"] = FindingData.Iso(h.Since),
                }),
        };

        if (h.Deadlocks > 0)
        {
            var hours = Math.Max(h.WindowSeconds, 1) / 3600;
            findings.Add(NewFinding(context, Severity.Warning, PostgresFindingKinds.Deadlocks,
                $"{h.Deadlocks} deadlock(s) in database '{h.Database}' since {h.Since:u} ({h.Deadlocks / hours:0.##} per hour)",
                "PostgreSQL aborted one transaction of each deadlock. The server log's 'deadlock detected' entries name the statements and relations; " +
                "transactions that lock the same rows in different orders are the usual cause.",
                new JsonObject
                {
                    ["database"] = h.Database,
                    ["deadlocks"] = h.Deadlocks,
                    ["windowHours"] = Math.Round(hours, 3),
                    ["deadlocksPerHour"] = Math.Round(h.Deadlocks / hours, 3),
                    ["statsSince"] = FindingData.Iso(h.Since),
                }));
        }
        return findings;
    }

    private sealed record Health(string Database, long Deadlocks, long TempFiles, long TempBytes, long BlocksHit, long BlocksRead,
        long Commits, long Rollbacks, long Conflicts, long ChecksumFailures, DateTimeOffset? Since, double WindowSeconds, long Bytes,
        long XidAge, string? OldestDatabase, long OldestXidAge);
}
