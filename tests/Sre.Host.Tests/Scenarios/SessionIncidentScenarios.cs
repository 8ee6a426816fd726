using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Host.Tests.Scenarios;

/// <summary>Sessions that hurt everyone else, each on its own server, diagnosed after they have
/// aged past the thresholds the server's HOCON sets (see <see cref="DatabaseIncidents"/>).</summary>
[Collection(DatabaseIncidents.Collection)]
public sealed class SessionIncidentScenarios(DatabaseIncidents fixture)
{
    private const string SlowProblem = "checkout requests are slow and timing out";

    [Fact]
    public async Task A_transaction_left_idle_holding_a_row_lock_with_waiters_behind_it_is_lock_contention_naming_the_blocker()
    {
        var ct = TestContext.Current.CancellationToken;
        var pid = fixture.LockBlockerPid;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("locks", SlowProblem, ct);

        report.AssertRootCause(RootCauseCategory.DbLockContention, "'billing-worker'", $"Session {pid}", "public.accounts", "3 session(s) wait");
        var relief = report.Recommendation($"pg_terminate_backend({pid})");
        Assert.Equal("medium", relief.Risk);
        report.Recommendation("lock_timeout", "'checkout-svc'");
        // The blocker's idleness is part of this cause; the waiters, running past the statement threshold, are its victims.
        Assert.DoesNotContain(report.ContributingFactors, c => c.Category is RootCauseCategory.DbIdleInTransaction or RootCauseCategory.DbLongRunningQuery);
    }

    [Fact]
    public async Task An_old_idle_in_transaction_session_without_waiters_is_idle_in_transaction_naming_its_application()
    {
        var ct = TestContext.Current.CancellationToken;
        var pid = fixture.IdleTransactionPid;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("idletx", "checkout is stuck waiting on the database", ct);

        report.AssertRootCause(RootCauseCategory.DbIdleInTransaction, "'billing-worker'", $"pid {pid}", "FOR UPDATE");
        Assert.Equal("medium", report.Recommendation($"pg_terminate_backend({pid})").Risk);
        report.Recommendation("idle_in_transaction_session_timeout");
    }

    [Fact]
    public async Task A_statement_running_past_the_threshold_is_a_long_running_query_naming_its_application_and_text()
    {
        var ct = TestContext.Current.CancellationToken;
        var pid = fixture.LongQueryPid;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("longquery", "the database is slow, everything hangs", ct);

        report.AssertRootCause(RootCauseCategory.DbLongRunningQuery, "'report-job'", $"pid {pid}", "SELECT count(*) FROM pg_sleep(");
        Assert.Equal("low", report.Recommendation($"pg_cancel_backend({pid})").Risk);
        report.Recommendation("statement_timeout");
    }

    [Fact]
    public async Task A_little_bloat_next_to_a_lock_pile_up_is_only_a_contributing_factor()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("herring", SlowProblem, ct);

        report.AssertRootCause(RootCauseCategory.DbLockContention, "'billing-worker'", $"Session {fixture.RedHerringBlockerPid}", "public.accounts");
        var bloat = Assert.Single(report.ContributingFactors, c => c.Category == RootCauseCategory.DbTableBloat);
        Assert.Contains("public.audit_log", bloat.Summary);
        Assert.Contains("30%", bloat.Summary);
        // Nothing vacuums that table: the disabled autovacuum is why its rows are still there, not
        // the open transaction of any session (least of all a 'checkout-svc' one queued on the lock).
        Assert.Contains("autovacuum is disabled on the table", bloat.Summary);
        Assert.DoesNotContain("checkout-svc", bloat.Summary);
        Assert.DoesNotContain("transaction open", bloat.Summary);
        var table = Assert.Single(report.FindingsOf(PostgresChecks.TableBloat, PostgresFindingKinds.Table)).GetProperty("data");
        Assert.Equal(fixture.RedHerringBlockerPid, table.GetProperty("oldestSnapshotPid").GetInt32());
        Assert.False(table.GetProperty("oldestSnapshotHoldsBackVacuum").GetBoolean());
        // What to do first is the relief for the blocker, not a vacuum.
        Assert.Contains($"pg_terminate_backend({fixture.RedHerringBlockerPid})", report.Recommendations[0].Action);
    }
}
