using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Host.Tests.Scenarios;

/// <summary>Problems that live in a database's own tables and statement statistics, and the healthy
/// control, all on one server (see <see cref="DatabaseIncidents"/>, which stages them).</summary>
[Collection(DatabaseIncidents.Collection)]
public sealed class TableScenarios(DatabaseIncidents fixture)
{
    [Fact]
    public async Task Repeated_lookups_on_an_unindexed_column_of_a_large_table_are_a_missing_index_naming_table_and_column()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("noindex", "checkout page is slow", ct);

        report.AssertRootCause(RootCauseCategory.DbMissingIndex, "public.orders", "WHERE customer_email = $1", "filters on customer_email");
        var index = report.Recommendation("CREATE INDEX CONCURRENTLY ON public.orders (customer_email);");
        Assert.Equal("low", index.Risk);
        Assert.Contains("Risk:", index.Action);
        var scans = Assert.Single(report.FindingsOf(PostgresChecks.IndexUsage, PostgresFindingKinds.SeqScanHeavy));
        Assert.Contains(scans.GetProperty("id").GetString(), report.Evidence);
    }

    [Fact]
    public async Task A_table_with_autovacuum_off_and_most_rows_dead_is_bloat_naming_the_table_and_the_vacuum_to_run()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("bloat", "the events page got slow and the disk is filling up", ct);

        report.AssertRootCause(RootCauseCategory.DbTableBloat, "public.events", "80% dead rows", "autovacuum is disabled on the table");
        Assert.Equal("low", report.Recommendation("VACUUM (ANALYZE, VERBOSE) public.events;").Risk);
        report.Recommendation("ALTER TABLE public.events RESET (autovacuum_enabled);");
    }

    [Fact]
    public async Task A_statement_that_takes_most_of_a_second_per_call_is_a_slow_query_naming_the_statement()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("slowquery", "the loyalty page is slow since this morning", ct);

        report.AssertRootCause(RootCauseCategory.DbSlowQuery, "SELECT id, name, loyalty_score(id) FROM customers WHERE id = $1", "over 6 calls", $"role '{fixture.SlowQuery.AppRole}'");
        report.Recommendation("EXPLAIN (ANALYZE, BUFFERS)", "loyalty_score(id)");
    }

    [Fact]
    public async Task A_healthy_database_gets_no_root_cause_and_the_report_says_what_was_checked()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("healthy", "checkout is slow and sometimes fails to connect to the database", ct);

        Assert.True(report.Category == RootCauseCategory.Unknown, report.ToString());
        Assert.StartsWith("No root cause found", report.Summary);
        Assert.Contains($"'{ScenarioCatalog.TargetName("healthy")}'", report.Summary);
        foreach (var check in PostgresChecks.All)
            Assert.True(report.Summary.Contains(check.Name, StringComparison.Ordinal), $"the summary does not say '{check.Name}' was checked\n{report}");
        Assert.Empty(report.Evidence);
        Assert.DoesNotContain(report.Findings, f => f.GetProperty("severity").GetString() == "critical");
        Assert.Empty(report.ContributingFactors);
        // The agent judged ages by the threshold the server's HOCON sets, not by its default.
        var longRunning = Assert.Single(report.FindingsOf(PostgresChecks.LongRunningQueries, PostgresFindingKinds.Summary));
        Assert.Equal(ScenarioFixture.Configured.LongRunningQueryWarning.TotalSeconds, longRunning.GetProperty("data").GetProperty("thresholdSeconds").GetDouble());
    }
}
