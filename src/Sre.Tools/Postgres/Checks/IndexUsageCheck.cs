using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres.Checks;

/// <summary>Large tables read mostly by full sequential scans, the statements driving those scans
/// (from pg_stat_statements) and the columns those statements filter on that no index leads with —
/// the index to consider. Also unused non-unique indexes that cost writes for nothing.</summary>
public sealed class IndexUsageCheck : PostgresCheck
{
    private const string HeavySql = """
        SELECT t.relid::int8 AS relid, t.schemaname::text AS schema, t.relname::text AS name,
               t.seq_scan, t.seq_tup_read, coalesce(t.idx_scan, 0)::int8 AS idx_scan, t.n_live_tup,
               pg_relation_size(t.relid)::int8 AS bytes
        FROM pg_stat_user_tables t
        WHERE t.n_live_tup >= @min_rows
          AND t.seq_scan >= @min_scans
          AND t.seq_tup_read::float8 >= t.seq_scan::float8 * t.n_live_tup * @full_share
        ORDER BY t.seq_tup_read DESC
        LIMIT @top
        """;

    private const string ColumnsSql = """
        SELECT a.attrelid::int8 AS relid, a.attname::text AS name,
               EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indkey[0] = a.attnum) AS leads_index
        FROM pg_attribute a
        WHERE a.attrelid::int8 = ANY(@relids) AND a.attnum > 0 AND NOT a.attisdropped
        """;

    // Candidates by a cheap regular expression over the table names (a parameter, not SQL);
    // WhereColumns.Mentions decides precisely. No polymorphic function is called here, because the
    // extension's schema is on the search_path of this transaction (after pg_catalog).
    private const string DrivingSql = "SELECT * FROM (" + StatementStats.Statements + """
        ) s
        WHERE lower(s.query) ~ @names
        ORDER BY s.blocks DESC
        LIMIT 200
        """;

    // Straight from the catalogs, sized by relpages: pg_relation_size would stat every index file
    // and pg_stat_user_indexes computes statistics for unique indexes we never report.
    private const string UnusedSql = """
        SELECT n.nspname::text AS schema, t.relname::text AS tbl, c.relname::text AS idx,
               c.relpages::int8 * current_setting('block_size')::int8 AS bytes
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT i.indisunique AND NOT i.indisprimary
          AND c.relpages::int8 * current_setting('block_size')::int8 >= @min_bytes
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
          AND pg_stat_get_numscans(i.indexrelid) = 0
        ORDER BY bytes DESC
        LIMIT @top
        """;

    public override string Name => PostgresChecks.IndexUsage;

    public override async Task<IReadOnlyList<Finding>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var t = context.Thresholds;
        var heavy = await context.Session.QueryAsync(HeavySql, r => new TableScans(
                r.Long("relid"), r.Text("schema")!, r.Text("name")!, r.Long("seq_scan"), r.Long("seq_tup_read"), r.Long("idx_scan"), r.Long("n_live_tup"), r.Long("bytes")),
            cancellationToken,
            ("min_rows", t.LargeTableRows), ("min_scans", t.MinSeqScans), ("full_share", t.FullScanShare), ("top", (long)t.TopN));

        var findings = new List<Finding>();
        if (heavy.Count == 0)
        {
            findings.Add(NewFinding(context, Severity.Info, PostgresFindingKinds.Summary,
                "No large table is read mostly by full sequential scans",
                $"Looked for tables with at least {Humanize.Count(t.LargeTableRows)} rows and {t.MinSeqScans} sequential scans reading most of the table.",
                new JsonObject { ["count"] = 0L }));
        }
        else
        {
            var columns = (await context.Session.QueryAsync(ColumnsSql, r => (RelId: r.Long("relid"), Name: r.Text("name")!, LeadsIndex: r.Bool("leads_index")),
                    cancellationToken, ("relids", heavy.Select(h => h.RelId).ToArray())))
                .ToLookup(c => c.RelId);
            var availability = await StatementStats.ProbeAsync(context.Session, cancellationToken);
            var statements = availability.Available
                ? await context.Session.QueryAsync(DrivingSql, StatementStats.Read, cancellationToken, ("names", NamePattern(heavy.Select(h => h.Name))))
                : [];
            findings.AddRange(heavy.Select(h => Heavy(context, h, columns[h.RelId].ToList(), statements, availability.Available)));
        }

        var unused = await context.Session.QueryAsync(UnusedSql, r => (Schema: r.Text("schema")!, Table: r.Text("tbl")!, Index: r.Text("idx")!, Bytes: r.Long("bytes")),
            cancellationToken, ("min_bytes", t.UnusedIndexMinBytes), ("top", (long)t.TopN));
        if (unused.Count > 0)
            findings.Add(NewFinding(context, Severity.Info, PostgresFindingKinds.UnusedIndexes,
                $"{unused.Count} index(es) never scanned since the statistics were reset ({Humanize.Bytes(unused.Sum(u => u.Bytes))})",
                "They cost write time and space; confirm on every replica before dropping any: " +
                string.Join(", ", unused.Select(u => $"{SqlText.Qualified(u.Schema, u.Index)} on {u.Table} ({Humanize.Bytes(u.Bytes)})")),
                new JsonObject
                {
                    ["indexes"] = FindingData.Objects(unused.Select(u => new JsonObject
                    {
                        ["index"] = SqlText.Qualified(u.Schema, u.Index), ["table"] = SqlText.Qualified(u.Schema, u.Table), ["sizeBytes"] = u.Bytes,
                    })),
                }));
        return findings;
    }

    private Finding Heavy(CheckContext context, TableScans h, List<(long RelId, string Name, bool LeadsIndex)> columns, List<StatementRow> statements, bool haveStatements)
    {
        var known = columns.ToDictionary(c => c.Name, c => c.LeadsIndex, StringComparer.Ordinal);
        var driving = statements
            .Where(s => WhereColumns.Mentions(s.Query, h.Schema, h.Name))
            .Select(s => (Statement: s, Unindexed: WhereColumns.Extract(s.Query).Where(c => known.TryGetValue(c, out var leads) && !leads).ToList()))
            .OrderByDescending(d => d.Unindexed.Count > 0).ThenByDescending(d => d.Statement.Blocks)
            .Take(3)
            .ToList();
        var suggested = driving
            .SelectMany(d => d.Unindexed.Select(c => (Column: c, d.Statement.Blocks)))
            .GroupBy(x => x.Column).OrderByDescending(g => g.Sum(x => x.Blocks))
            .Select(g => g.Key).ToList();

        var table = SqlText.Qualified(h.Schema, h.Name);
        var seqShare = (double)h.SeqScan / Math.Max(1, h.SeqScan + h.IdxScan);
        var avgRows = (double)h.SeqTupRead / Math.Max(1, h.SeqScan);
        var data = new JsonObject
        {
            ["table"] = table,
            ["schema"] = h.Schema,
            ["name"] = h.Name,
            ["liveRows"] = h.LiveRows,
            ["sizeBytes"] = h.Bytes,
            ["seqScan"] = h.SeqScan,
            ["seqTupRead"] = h.SeqTupRead,
            ["idxScan"] = h.IdxScan,
            ["seqScanShare"] = FindingData.Ratio(seqShare),
            ["avgRowsPerSeqScan"] = Math.Round(avgRows),
            ["suggestedColumns"] = FindingData.Strings(suggested),
            ["statementStatsAvailable"] = haveStatements,
            ["statements"] = FindingData.Objects(driving.Select(d => new JsonObject
            {
                ["queryId"] = d.Statement.QueryId,
                ["query"] = SqlText.Show(d.Statement.Query),
                ["calls"] = d.Statement.Calls,
                ["meanMs"] = Math.Round(d.Statement.MeanMs, 3),
                ["totalMs"] = Math.Round(d.Statement.TotalMs, 2),
                ["role"] = d.Statement.Role,
                ["unindexedColumns"] = FindingData.Strings(d.Unindexed),
            })),
        };
        var severity = suggested.Count > 0 || seqShare >= 0.5 ? Severity.Warning : Severity.Info;
        var why = suggested.Count > 0
            ? $"Statement {SqlText.Show(driving.First(d => d.Unindexed.Count > 0).Statement.Query, 160)} filters on {string.Join(", ", suggested)}, which no index leads with."
            : driving.Count > 0 ? $"Driving statement: {SqlText.Show(driving[0].Statement.Query, 160)}."
            : haveStatements ? "No recorded statement could be tied to the scans." : "pg_stat_statements is not available, so the driving statements are unknown.";
        return NewFinding(context, severity, PostgresFindingKinds.SeqScanHeavy,
            $"{table}: {Humanize.Count(h.SeqScan)} sequential scans of {Humanize.Count(h.LiveRows)} rows ({Humanize.Percent(seqShare)} of scans), {Humanize.Count(h.SeqTupRead)} rows read",
            $"{why} {Humanize.Count(h.IdxScan)} index scans; about {Humanize.Count(avgRows)} rows read per sequential scan.",
            data);
    }

    /// <summary>A PostgreSQL regular expression matching any of the names, every character that is
    /// not a letter, digit or underscore escaped.</summary>
    public static string NamePattern(IEnumerable<string> names) =>
        "(" + string.Join("|", names.Select(n => n.ToLowerInvariant()).Distinct().Select(n => string.Concat(n.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c.ToString() : "\\" + c)))) + ")";

    private sealed record TableScans(long RelId, string Schema, string Name, long SeqScan, long SeqTupRead, long IdxScan, long LiveRows, long Bytes);
}
