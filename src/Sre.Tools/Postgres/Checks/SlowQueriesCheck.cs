using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres.Checks;

/// <summary>Top statements by total and by mean execution time from pg_stat_statements, and a
/// finding for each statement that is slow per call or eats most of the database's time. Without
/// the extension: one info finding saying what to enable.</summary>
public sealed class SlowQueriesCheck : PostgresCheck
{
    private const string Sql = "WITH s AS (" + StatementStats.Statements + """
        ),
        total AS (SELECT coalesce(sum(total_ms), 0)::float8 AS all_ms, count(*)::int8 AS statements FROM s),
        picked AS (
            (SELECT 'total' AS list, * FROM s ORDER BY total_ms DESC LIMIT @top)
            UNION ALL
            (SELECT 'mean' AS list, * FROM s WHERE calls >= @min_calls ORDER BY mean_ms DESC LIMIT @top))
        SELECT p.list, p.queryid, p.query, p.calls, p.total_ms, p.mean_ms, p.rows, p.blocks, p.role,
               total.all_ms, total.statements
        FROM picked p CROSS JOIN total
        """;

    public override string Name => PostgresChecks.SlowQueries;

    public override async Task<IReadOnlyList<Finding>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var t = context.Thresholds;
        var availability = await StatementStats.ProbeAsync(context.Session, cancellationToken);
        if (!availability.Available)
            return [NewFinding(context, Severity.Info, PostgresFindingKinds.Unavailable,
                $"pg_stat_statements is not available in database '{availability.Database}': statement statistics were not examined",
                $"{availability.Reason}. {availability.Advice}",
                new JsonObject { ["available"] = false, ["preloaded"] = availability.Preloaded, ["reason"] = availability.Reason, ["advice"] = availability.Advice })];

        var rows = await context.Session.QueryAsync(Sql, r => (
                List: r.Text("list"), Statement: StatementStats.Read(r), AllMs: r.Double("all_ms"), Count: r.Long("statements")),
            cancellationToken, ("top", (long)t.TopN), ("min_calls", (long)t.SlowQueryMinCalls));
        var allMs = rows.Count > 0 ? rows[0].AllMs : 0;
        var byTotal = rows.Where(r => r.List == "total").Select(r => r.Statement).ToList();
        var byMean = rows.Where(r => r.List == "mean").Select(r => r.Statement).ToList();

        var findings = new List<Finding>
        {
            NewFinding(context, Severity.Info, PostgresFindingKinds.TopStatements,
                byTotal.Count == 0 ? "pg_stat_statements has no application statements recorded yet"
                    : $"Top statement takes {Humanize.Percent(Share(byTotal[0], allMs))} of execution time: {SqlText.Show(byTotal[0].Query, 80)}",
                $"{(rows.Count > 0 ? rows[0].Count : 0)} statements, {Humanize.Milliseconds(allMs)} of execution time in all since the statistics were reset.",
                new JsonObject
                {
                    ["available"] = true,
                    ["statements"] = rows.Count > 0 ? rows[0].Count : 0L,
                    ["totalExecMs"] = Math.Round(allMs, 1),
                    ["topByTotal"] = FindingData.Objects(byTotal.Select(s => Describe(s, allMs))),
                    ["topByMean"] = FindingData.Objects(byMean.Select(s => Describe(s, allMs))),
                }),
        };

        var slowMs = t.SlowQueryMean.TotalMilliseconds;
        findings.AddRange(byTotal.Concat(byMean)
            .DistinctBy(s => s.QueryId)
            .Where(s => s.Calls >= t.SlowQueryMinCalls
                        && (s.MeanMs >= slowMs || (Share(s, allMs) >= t.SlowQueryShareOfTotal && s.MeanMs >= slowMs / 10)))
            .OrderByDescending(s => s.TotalMs)
            .Select(s =>
            {
                var data = Describe(s, allMs);
                data["thresholdMs"] = slowMs;
                return NewFinding(context, s.MeanMs >= slowMs * 10 ? Severity.Critical : Severity.Warning,
                    PostgresFindingKinds.Statement,
                    $"Statement averaging {Humanize.Milliseconds(s.MeanMs)} over {Humanize.Count(s.Calls)} calls ({Humanize.Percent(Share(s, allMs))} of all execution time)",
                    $"{SqlText.Show(s.Query)} — called by role '{s.Role}', {Humanize.Milliseconds(s.TotalMs)} in total, {s.Rows / Math.Max(1.0, s.Calls):0.#} rows per call.",
                    data);
            }));
        return findings;
    }

    private static double Share(StatementRow s, double allMs) => allMs > 0 ? s.TotalMs / allMs : 0;

    private static JsonObject Describe(StatementRow s, double allMs) => new()
    {
        ["queryId"] = s.QueryId,
        ["query"] = SqlText.Show(s.Query),
        ["role"] = s.Role,
        ["calls"] = s.Calls,
        ["totalMs"] = Math.Round(s.TotalMs, 2),
        ["meanMs"] = Math.Round(s.MeanMs, 3),
        ["rows"] = s.Rows,
        ["rowsPerCall"] = Math.Round(s.Rows / Math.Max(1.0, s.Calls), 2),
        ["sharedBlocks"] = s.Blocks,
        ["shareOfTotal"] = FindingData.Ratio(Share(s, allMs)),
    };
}
