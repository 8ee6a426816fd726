using Npgsql;

namespace Sre.Tools.Postgres.Checks;

/// <summary>Whether pg_stat_statements can be read in this database, and why not when it cannot.</summary>
public sealed record StatementStatsAvailability(bool Available, bool? Preloaded, string Database, string? Reason)
{
    /// <summary>What to enable, for the info finding of a check that needs the extension.</summary>
    public string Advice => Preloaded == false || Preloaded is null && Reason is not null && Reason.Contains("shared_preload_libraries")
        ? $"Add pg_stat_statements to shared_preload_libraries (needs a restart), then run CREATE EXTENSION pg_stat_statements; in database '{Database}'."
        : $"pg_stat_statements is loaded by the server but not installed in database '{Database}': run CREATE EXTENSION pg_stat_statements; there (no restart needed).";
}

/// <summary>One normalised statement from pg_stat_statements.</summary>
public sealed record StatementRow(string QueryId, string Query, long Calls, double TotalMs, double MeanMs, long Rows, long Blocks, string? Role);

/// <summary>Shared access to pg_stat_statements for the checks that need it. The extension may live
/// in any schema: the probe adds that schema after pg_catalog to this transaction's search_path
/// (set_config with a quoted identifier, so the text stays constant). Queries run after the probe
/// call only functions with an exact pg_catalog match, so nothing in that schema can stand in for one.</summary>
public static class StatementStats
{
    private const string ProbeSql = """
        SELECT current_database()::text AS db,
               n.nspname::text AS schema,
               (SELECT s.setting FROM pg_settings s WHERE s.name = 'shared_preload_libraries') AS preload
        FROM (SELECT 1) one
        LEFT JOIN pg_extension e ON e.extname = 'pg_stat_statements'
        LEFT JOIN pg_namespace n ON n.oid = e.extnamespace
        """;

    private const string UseSchemaSql = "SELECT set_config('search_path', 'pg_catalog, ' || quote_ident(@schema), true)";

    private const string ProbeViewSql = "SELECT count(*) AS n FROM (SELECT 1 FROM pg_stat_statements(false) LIMIT 1) one";

    /// <summary>Statements of the current database that applications sent (not the agent's own, not
    /// utility commands, top level only so nested calls are not counted twice). Leading comments
    /// such as ORM or sqlcommenter tags are allowed.</summary>
    public const string Statements = """
        SELECT s.queryid::text AS queryid, left(s.query, 2000) AS query, s.calls, s.total_exec_time AS total_ms,
               s.mean_exec_time AS mean_ms, s.rows, (s.shared_blks_hit + s.shared_blks_read)::int8 AS blocks,
               r.rolname::text AS role
        FROM pg_stat_statements s
        LEFT JOIN pg_roles r ON r.oid = s.userid
        WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND s.toplevel
          AND s.query NOT LIKE '/* sre-diagnostics */%'
          AND s.query ~* '^\s*(/\*.*?\*/\s*)*(with|select|insert|update|delete|merge|values|table)\M'
        """;

    public static async Task<StatementStatsAvailability> ProbeAsync(ReadOnlySession session, CancellationToken cancellationToken)
    {
        var probe = await session.SingleAsync(ProbeSql, r => (Db: r.Text("db") ?? "?", Schema: r.Text("schema"), Preload: r.Text("preload")), cancellationToken);
        bool? preloaded = probe.Preload is null ? null : probe.Preload.Contains("pg_stat_statements", StringComparison.Ordinal);
        if (probe.Schema is null)
            return new(false, preloaded, probe.Db, "the extension is not installed in this database");
        if (preloaded == false)
            return new(false, false, probe.Db, "the extension is installed but not in shared_preload_libraries");

        await session.QueryAsync(UseSchemaSql, r => 0, cancellationToken, ("schema", probe.Schema));
        if (preloaded == true) return new(true, true, probe.Db, null);

        // The role cannot read shared_preload_libraries: try the view inside a savepoint instead.
        var (rows, error) = await session.TryQueryAsync(ProbeViewSql, r => r.Long("n"), cancellationToken);
        return rows is null
            ? new(false, preloaded, probe.Db, error!.MessageText)
            : new(true, preloaded, probe.Db, null);
    }

    public static StatementRow Read(NpgsqlDataReader r) => new(
        r.Text("queryid") ?? "",
        r.Text("query") ?? "",
        r.Long("calls"),
        r.Double("total_ms"),
        r.Double("mean_ms"),
        r.Long("rows"),
        r.Long("blocks"),
        r.Text("role"));
}
