using Npgsql;
using Sre.Testing.Postgres;

namespace Sre.Bench;

/// <summary>A database shaped like a busy production schema: many tables with rows and indexes,
/// their scan statistics, dead rows in some, thousands of statements in pg_stat_statements and a
/// few idle application sessions — so every check has real work to do.</summary>
public static class BenchDatabase
{
    public static async Task<ScenarioDatabase> CreateAsync(PostgresServer server, int tables, CancellationToken ct)
    {
        var db = await ScenarioDatabase.CreateAsync(server, "bench", cancellationToken: ct);
        const int chunk = 100;
        for (var start = 1; start <= tables; start += chunk)
        {
            var end = Math.Min(tables, start + chunk - 1);
            // Each table: 200 rows, a primary key; every second table an index on k; every fifth
            // table a quarter of its rows deleted (dead tuples for the bloat check).
            await db.ExecuteAsync($$"""
                DO $$
                BEGIN
                  FOR i IN {{start}}..{{end}} LOOP
                    EXECUTE format('CREATE TABLE t_%s (id int PRIMARY KEY, k int NOT NULL, v text NOT NULL)', i);
                    EXECUTE format('INSERT INTO t_%s SELECT g, g %% 50, md5(g::text) FROM generate_series(1, 200) g', i);
                    IF i % 2 = 0 THEN EXECUTE format('CREATE INDEX ON t_%s (k)', i); END IF;
                    IF i % 5 = 0 THEN EXECUTE format('DELETE FROM t_%s WHERE id %% 4 = 0', i); END IF;
                  END LOOP;
                END $$;
                """, ct);
        }

        // Top-level statements from an application session: lookups by key, by indexed and
        // unindexed column, so pg_stat_statements holds thousands of entries and tables have scans.
        var app = await db.OpenAppSessionAsync("checkout-svc", ct);
        for (var start = 1; start <= tables; start += chunk)
        {
            await using var batch = new NpgsqlBatch(app);
            for (var i = start; i < start + chunk && i <= tables; i++)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT v FROM t_{i} WHERE id = 7"));
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT count(*) FROM t_{i} WHERE k = 3"));
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT max(id) FROM t_{i} WHERE v LIKE 'a%'"));
            }
            await batch.ExecuteNonQueryAsync(ct);
        }
        await db.DisconnectAsync(app, ct);
        await db.ExecuteAsync("ANALYZE", ct);

        // A pool's worth of idle sessions, as a live application would hold.
        for (var i = 0; i < 10; i++)
            await ScenarioDatabase.RunAsync(await db.OpenAppSessionAsync("checkout-svc", ct), "SELECT 1", ct);
        return db;
    }
}
