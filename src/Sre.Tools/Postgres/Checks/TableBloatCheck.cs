using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres.Checks;

/// <summary>Tables whose dead tuples outweigh the threshold share of their rows, with when they were
/// last (auto)vacuumed and whether autovacuum is switched off for them — and the oldest open
/// snapshot, which keeps any vacuum from removing rows that died after it. That snapshot is given
/// as a reason only where a vacuum runs or ran while it was held: with autovacuum off and no vacuum
/// since, nothing tried to remove the rows, and the disabled autovacuum is the reason.</summary>
public sealed class TableBloatCheck : PostgresCheck
{
    private const string TablesSql = """
        SELECT t.schemaname::text AS schema, t.relname::text AS name, t.n_live_tup, t.n_dead_tup,
               t.last_vacuum, t.last_autovacuum, t.last_analyze, t.last_autoanalyze,
               extract(epoch FROM now() - greatest(t.last_vacuum, t.last_autovacuum))::float8 AS vacuum_age,
               pg_table_size(t.relid)::int8 AS bytes,
               (SELECT o.option_value FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = 'autovacuum_enabled') AS autovacuum
        FROM pg_stat_user_tables t
        JOIN pg_class c ON c.oid = t.relid
        WHERE t.n_dead_tup >= @min_dead
          AND t.n_dead_tup::float8 >= (t.n_live_tup + t.n_dead_tup)::float8 * @ratio
        ORDER BY t.n_dead_tup DESC
        LIMIT @top
        """;

    private const string SettingsSql = """
        SELECT current_setting('autovacuum') AS autovacuum,
               (SELECT count(*) FROM pg_class c
                WHERE c.relkind IN ('r', 'm') AND c.reloptions IS NOT NULL
                  AND EXISTS (SELECT 1 FROM pg_options_to_table(c.reloptions) o
                              WHERE o.option_name = 'autovacuum_enabled' AND lower(o.option_value) IN ('false', 'off', 'no', '0', 'f', 'n')))::int8 AS disabled
        """;

    // The session holding the oldest transaction ID or snapshot: vacuum cannot remove rows that
    // died after it started. Sessions waiting on a lock are left out: a waiter took its snapshot
    // while the transaction it waits for was running, so its xmin is as old as that one's xid (or
    // older, by whatever else ran then), and it is open only because it waits. The one to name is
    // the session it waits behind (the root blocker, often idle in transaction), and at equal age
    // the transaction that began first.
    private const string HorizonSql = Activity.ClientSessions + """

          AND (a.backend_xmin IS NOT NULL OR a.backend_xid IS NOT NULL)
          AND a.wait_event_type IS DISTINCT FROM 'Lock'
        ORDER BY greatest(coalesce(age(a.backend_xid), 0), coalesce(age(a.backend_xmin), 0)) DESC, a.xact_start
        LIMIT 1
        """;

    public override string Name => PostgresChecks.TableBloat;

    public override async Task<IReadOnlyList<Finding>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var t = context.Thresholds;
        var tables = await context.Session.QueryAsync(TablesSql, r => new BloatRow(
                r.Text("schema")!, r.Text("name")!, r.Long("n_live_tup"), r.Long("n_dead_tup"),
                r.Time("last_vacuum"), r.Time("last_autovacuum"), r.Time("last_analyze"), r.Time("last_autoanalyze"),
                r.NullableDouble("vacuum_age"), r.Long("bytes"), r.Text("autovacuum")),
            cancellationToken, ("min_dead", t.MinDeadTuples), ("ratio", t.DeadTupleRatioWarning), ("top", (long)t.TopN));
        var settings = await context.Session.SingleAsync(SettingsSql, r => (Global: r.Text("autovacuum") != "off", Disabled: r.Long("disabled")), cancellationToken);

        if (tables.Count == 0)
            return [NewFinding(context, Severity.Info, PostgresFindingKinds.Summary,
                $"No table has more than {Humanize.Percent(t.DeadTupleRatioWarning)} dead rows",
                $"Autovacuum is {(settings.Global ? "on" : "OFF")} server-wide; {settings.Disabled} table(s) have it disabled.",
                new JsonObject { ["count"] = 0L, ["autovacuumGlobal"] = settings.Global, ["tablesWithAutovacuumDisabled"] = settings.Disabled })];

        var horizon = (await context.Session.QueryAsync(HorizonSql, Activity.Read, cancellationToken, context.SelfFilter)).FirstOrDefault();
        var snapshotHolder = horizon is { XactAgeSeconds: { } age } && age >= t.IdleInTransactionWarning.TotalSeconds ? horizon : null;
        return tables.Select(row => Table(context, row, settings.Global, snapshotHolder)).ToList();
    }

    private Finding Table(CheckContext context, BloatRow row, bool globalAutovacuum, ActivityRow? snapshotHolder)
    {
        var t = context.Thresholds;
        var ratio = (double)row.Dead / Math.Max(1, row.Dead + row.Live);
        var tableAutovacuum = row.AutovacuumOption is null || !IsFalse(row.AutovacuumOption);
        var lastVacuum = new[] { row.LastVacuum, row.LastAutovacuum }.Max();
        var table = SqlText.Qualified(row.Schema, row.Name);
        var data = new JsonObject
        {
            ["table"] = table,
            ["schema"] = row.Schema,
            ["name"] = row.Name,
            ["liveTuples"] = row.Live,
            ["deadTuples"] = row.Dead,
            ["deadRatio"] = FindingData.Ratio(ratio),
            ["sizeBytes"] = row.Bytes,
            ["estimatedBloatBytes"] = (long)(row.Bytes * ratio),
            ["lastVacuum"] = FindingData.Iso(row.LastVacuum),
            ["lastAutovacuum"] = FindingData.Iso(row.LastAutovacuum),
            ["lastAnalyze"] = FindingData.Iso(row.LastAnalyze),
            ["lastAutoanalyze"] = FindingData.Iso(row.LastAutoanalyze),
            ["neverVacuumed"] = lastVacuum is null,
            ["autovacuumEnabled"] = tableAutovacuum && globalAutovacuum,
            ["autovacuumDisabledOnTable"] = !tableAutovacuum,
            ["autovacuumGlobal"] = globalAutovacuum,
        };
        var reasons = new List<string>();
        if (!tableAutovacuum) reasons.Add("autovacuum is disabled on the table (autovacuum_enabled = false)");
        if (!globalAutovacuum) reasons.Add("autovacuum is off server-wide");
        reasons.Add(lastVacuum is null ? "it has never been vacuumed since the statistics were reset" : $"last vacuumed {lastVacuum:u}");
        if (snapshotHolder is not null)
        {
            var held = snapshotHolder.XactAgeSeconds ?? 0;
            var holdsBack = (tableAutovacuum && globalAutovacuum) || row.VacuumAgeSeconds <= held;
            data["oldestSnapshotPid"] = (long)snapshotHolder.Pid;
            data["oldestSnapshotApplication"] = snapshotHolder.Application;
            data["oldestSnapshotState"] = snapshotHolder.State;
            data["oldestSnapshotAgeSeconds"] = FindingData.Seconds(held);
            data["oldestSnapshotHoldsBackVacuum"] = holdsBack;
            if (holdsBack)
                reasons.Add($"session {snapshotHolder.Pid} of '{snapshotHolder.Who}' ({snapshotHolder.State}) has kept its transaction open for {Humanize.Duration(held)}, so vacuum cannot remove rows that died since");
        }
        return NewFinding(context, Grade(ratio, t.DeadTupleRatioWarning, t.DeadTupleRatioCritical), PostgresFindingKinds.Table,
            $"{table}: {Humanize.Percent(ratio)} dead rows ({Humanize.Count(row.Dead)} dead, {Humanize.Count(row.Live)} live, about {Humanize.Bytes(row.Bytes * ratio)} of {Humanize.Bytes(row.Bytes)})",
            string.Join("; ", reasons) + ".",
            data);
    }

    private static bool IsFalse(string value) => value.ToLowerInvariant() is "false" or "off" or "no" or "0" or "f" or "n";

    private sealed record BloatRow(string Schema, string Name, long Live, long Dead,
        DateTimeOffset? LastVacuum, DateTimeOffset? LastAutovacuum, DateTimeOffset? LastAnalyze, DateTimeOffset? LastAutoanalyze,
        double? VacuumAgeSeconds, long Bytes, string? AutovacuumOption);
}
