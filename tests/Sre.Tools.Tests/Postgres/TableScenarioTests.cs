using Sre.Testing.Postgres;
using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Tests.Postgres;

/// <summary>Problems that live in tables and statistics: a missing index behind repeated lookups,
/// a table gone to dead rows with autovacuum off, deadlocks, and a database without
/// pg_stat_statements.</summary>
public sealed class TableScenarioTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Repeated_lookups_on_an_unindexed_column_of_a_large_table_are_a_missing_index_on_that_column()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "noindex", cancellationToken: ct);
        await db.ExecuteAsync("""
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_email text NOT NULL, amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
            INSERT INTO orders (id, customer_email, amount) SELECT g, 'customer' || (g % 5000) || '@example.com', g % 100 FROM generate_series(1, 200000) g;
            ANALYZE orders;
            """, ct);
        var app = await db.OpenAppSessionAsync("checkout-svc", ct);
        for (var i = 0; i < 60; i++)
            await ScenarioDatabase.RunAsync(app, $"/* checkout-svc:order-history */ SELECT id, amount FROM orders WHERE customer_email = 'customer{i}@example.com'", ct);
        await db.DisconnectAsync(app, ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), "checkout page is slow", cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.DbMissingIndex, result.ToString());
        Assert.Contains("public.orders", result.RootCause.Culprit);
        Assert.Contains("customer_email", result.RootCause.Culprit);
        var scans = Assert.Single(result.Of(PostgresChecks.IndexUsage, PostgresFindingKinds.SeqScanHeavy));
        Assert.Equal(["customer_email"], scans.Strings("suggestedColumns"));
        Assert.True(scans.Number("seqScan") >= 60, result.ToString());
        Assert.Contains(result.Synthesis.Recommendations, r => r.Action.StartsWith("CREATE INDEX CONCURRENTLY ON public.orders (customer_email);"));
        // The statement behind the scans is the slow query, named by the index finding and in the top statements.
        var driving = Assert.Single(scans.Objects("statements"));
        Assert.Contains("WHERE customer_email = $1", driving["query"]!.GetValue<string>());
        Assert.Equal(60, driving["calls"]!.GetValue<long>());
        var top = Assert.Single(result.Of(PostgresChecks.SlowQueries, PostgresFindingKinds.TopStatements));
        Assert.Contains(top.Objects("topByTotal"), s => s["query"]!.GetValue<string>().Contains("WHERE customer_email = $1"));
        Assert.Contains("customer_email = $1", result.RootCause.Summary);
    }

    [Fact]
    public async Task A_table_of_mostly_dead_rows_with_autovacuum_off_is_bloat_with_the_vacuum_to_run()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "bloat", cancellationToken: ct);
        await db.ExecuteAsync("""
            CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL) WITH (autovacuum_enabled = false);
            INSERT INTO events SELECT g, repeat('x', 100) FROM generate_series(1, 100000) g;
            DELETE FROM events WHERE id % 5 <> 0;
            """, ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), "the events page got slow and the disk is filling up", cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.DbTableBloat, result.ToString());
        Assert.Equal("public.events", result.RootCause.Culprit);
        Assert.Contains("autovacuum is disabled", result.RootCause.Summary);
        var table = Assert.Single(result.Of(PostgresChecks.TableBloat, PostgresFindingKinds.Table));
        Assert.Equal(Severity.Critical, table.Severity);
        Assert.Equal(80000, table.Number("deadTuples"));
        Assert.Equal(0.8, table.Number("deadRatio")!.Value, 2);
        Assert.True(table.Flag("autovacuumDisabledOnTable"));
        Assert.Contains(result.Synthesis.Recommendations, r => r.Action.StartsWith("VACUUM (ANALYZE, VERBOSE) public.events;") && r.Risk == "low");
        Assert.Contains(result.Synthesis.Recommendations, r => r.Action.Contains("ALTER TABLE public.events RESET (autovacuum_enabled)"));
    }

    [Fact]
    public async Task Deadlocks_between_sessions_are_named_for_the_database()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "deadlock", cancellationToken: ct);
        await db.ExecuteAsync("CREATE TABLE stock (id int PRIMARY KEY, qty int NOT NULL); INSERT INTO stock VALUES (1, 10), (2, 10);", ct);
        var a = await db.OpenAppSessionAsync("order-svc", ct);
        var b = await db.OpenAppSessionAsync("restock-job", ct);
        await ScenarioDatabase.RunAsync(a, "BEGIN; UPDATE stock SET qty = qty - 1 WHERE id = 1;", ct);
        await ScenarioDatabase.RunAsync(b, "BEGIN; UPDATE stock SET qty = qty + 1 WHERE id = 2;", ct);
        var first = ScenarioDatabase.RunAsync(a, "UPDATE stock SET qty = qty - 1 WHERE id = 2", ct);
        await db.WaitUntilAsync($"SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = {a.ProcessID}", "order-svc to wait for restock-job", ct);
        var second = ScenarioDatabase.RunAsync(b, "UPDATE stock SET qty = qty + 1 WHERE id = 1", ct);
        var outcomes = await Task.WhenAll(Outcome(first), Outcome(second));
        Assert.Contains(outcomes, e => e is Npgsql.PostgresException { SqlState: "40P01" });
        await db.DisconnectAsync(a, ct);
        await db.DisconnectAsync(b, ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), "orders fail with 'deadlock detected' errors", cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.DbDeadlocks, result.ToString());
        Assert.Equal($"database '{db.Name}'", result.RootCause.Culprit);
        var deadlocks = Assert.Single(result.Of(PostgresChecks.DatabaseHealth, PostgresFindingKinds.Deadlocks));
        Assert.Equal(1, deadlocks.Number("deadlocks"));
    }

    [Fact]
    public async Task Without_pg_stat_statements_the_agent_says_what_to_enable_instead_of_failing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "nostats", statementStats: false, cancellationToken: ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), "checkout is slow", cancellationToken: ct);

        var info = Assert.Single(result.Of(PostgresChecks.SlowQueries));
        Assert.Equal(Severity.Info, info.Severity);
        Assert.Equal(PostgresFindingKinds.Unavailable, info.Text("kind"));
        Assert.Contains("CREATE EXTENSION pg_stat_statements", info.Detail);
        Assert.Contains("no restart needed", info.Detail);
        Assert.False(info.Flag("available"));
        Assert.DoesNotContain(result.Findings, f => f.Text("kind") == PostgresFindingKinds.Incomplete);
        Assert.Equal(RootCauseCategory.Unknown, result.RootCause.Category);
    }

    private static async Task<Exception?> Outcome(Task task)
    {
        try { await task; return null; }
        catch (Exception e) { return e; }
    }
}
