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
        await db.LookUpByUnindexedColumnAsync("checkout-svc", lookups: 60, ct);

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
        await db.LeaveDeadRowsAsync("events", rows: 100000, deadPercent: 80, ct);

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
        await db.DeadlockAsync(ct);

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
}
