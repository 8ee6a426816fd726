using Sre.Testing.Postgres;
using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Tests.Postgres;

/// <summary>Sessions that hurt everyone else: a transaction left open holding a row lock with
/// waiters behind it, the same without waiters, a statement running for minutes, and a lock
/// pile-up next to a little bloat (the red herring).</summary>
public sealed class SessionScenarioTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private const string SlowProblem = "checkout requests are slow and timing out";

    private static readonly PostgresThresholds Thresholds = Diagnose.TestThresholds;

    /// <summary>Past every age threshold of <see cref="Diagnose.TestThresholds"/> that these scenarios reach.</summary>
    private static readonly TimeSpan Aged =
        new[] { Thresholds.IdleInTransactionWarning, Thresholds.LockWaitWarning, Thresholds.LongRunningQueryWarning }.Max() + TimeSpan.FromMilliseconds(500);

    /// <summary>'billing-worker' updates account 1 and goes idle without committing; three
    /// 'checkout-svc' sessions queue behind it.</summary>
    private static Task<int> PileUpAsync(ScenarioDatabase db, CancellationToken ct) =>
        db.PileUpBehindIdleTransactionAsync("billing-worker", "checkout-svc", waiters: 3, Aged, ct);

    [Fact]
    public async Task An_idle_in_transaction_blocker_with_waiters_is_lock_contention_naming_the_blocker()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "locks", cancellationToken: ct);
        var blockerPid = await PileUpAsync(db, ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), SlowProblem, cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.DbLockContention, result.ToString());
        Assert.Equal("billing-worker", result.RootCause.Culprit);
        Assert.Contains($"Session {blockerPid}", result.RootCause.Summary);
        Assert.Contains("public.accounts", result.RootCause.Summary);
        Assert.Contains("3 session(s) wait", result.RootCause.Summary);
        var blocker = Assert.Single(result.Of(PostgresChecks.Locks, PostgresFindingKinds.Blocker));
        Assert.Equal(blockerPid, blocker.Number("pid"));
        Assert.Equal(3, blocker.Number("waiters"));
        Assert.Equal("idle in transaction", blocker.Text("state"));
        Assert.Equal("public.accounts", blocker.Text("relation"));
        Assert.Contains(blocker.Id, result.RootCause.Evidence);
        Assert.Contains(result.Synthesis.Recommendations, r => r.Action.Contains($"pg_terminate_backend({blockerPid})") && r.Risk == "medium");
        // The blocker's idleness is part of this cause, not a competing one; the waiters are victims.
        Assert.DoesNotContain(result.Synthesis.ContributingFactors, c => c.Category is RootCauseCategory.DbIdleInTransaction or RootCauseCategory.DbLongRunningQuery);
    }

    [Fact]
    public async Task An_old_idle_in_transaction_session_without_waiters_is_named_as_idle_in_transaction()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "idletx", cancellationToken: ct);
        var pid = await db.LeaveTransactionIdleAsync("billing-worker", Aged, ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), "checkout is stuck waiting on the database", cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.DbIdleInTransaction, result.ToString());
        Assert.Equal("billing-worker", result.RootCause.Culprit);
        Assert.Contains($"pid {pid}", result.RootCause.Summary);
        Assert.Contains("FOR UPDATE", result.RootCause.Summary);
        var idle = Assert.Single(result.Of(PostgresChecks.Connections, PostgresFindingKinds.IdleInTransaction));
        Assert.Equal(pid, idle.Number("pid"));
        Assert.Contains(result.Synthesis.Recommendations, r => r.Action.Contains($"pg_terminate_backend({pid})"));
        Assert.Contains(result.Synthesis.Recommendations, r => r.Action.Contains("idle_in_transaction_session_timeout"));
        Assert.Empty(result.Of(PostgresChecks.Locks, PostgresFindingKinds.Blocker));
    }

    [Fact]
    public async Task A_statement_running_past_the_threshold_is_a_long_running_query_of_its_application()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "longq", cancellationToken: ct);
        var pid = await db.RunLongQueryAsync("report-job", Aged, ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), "the database is slow, everything hangs", cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.DbLongRunningQuery, result.ToString());
        Assert.Equal("report-job", result.RootCause.Culprit);
        Assert.Contains("pg_sleep", result.RootCause.Summary);
        var query = Assert.Single(result.Of(PostgresChecks.LongRunningQueries, PostgresFindingKinds.Query));
        Assert.Equal(pid, query.Number("pid"));
        Assert.True(query.Number("durationSeconds") >= Thresholds.LongRunningQueryWarning.TotalSeconds, result.ToString());
        Assert.Contains(result.Synthesis.Recommendations, r => r.Action.Contains($"pg_cancel_backend({pid})") && r.Risk == "low");
    }

    [Fact]
    public async Task A_little_bloat_next_to_a_lock_pile_up_is_only_a_contributing_factor()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "herring", cancellationToken: ct);
        await db.LeaveDeadRowsAsync("audit_log", rows: 40000, deadPercent: 30, ct);
        // As on a busy server, an older transaction is still running when the waiters take their
        // snapshots, so those reach further back than the blocker's transaction.
        var export = await db.OpenAppSessionAsync("nightly-export", ct);
        await ScenarioDatabase.RunAsync(export, "BEGIN; SELECT txid_current();", ct);
        var blockerPid = await PileUpAsync(db, ct);
        await db.DisconnectAsync(export, ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), SlowProblem, cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.DbLockContention, result.ToString());
        Assert.Equal("billing-worker", result.RootCause.Culprit);
        var bloat = Assert.Single(result.Synthesis.ContributingFactors, c => c.Category == RootCauseCategory.DbTableBloat);
        Assert.Contains("public.audit_log", bloat.Summary);
        // Vacuum never ran on the table: that is why its rows are still there, not anyone's snapshot.
        Assert.Contains("autovacuum is disabled on the table", bloat.Summary);
        Assert.DoesNotContain("snapshot", bloat.Summary);
        // The waiters' snapshots are open only because they wait: the session they wait behind is named.
        var table = Assert.Single(result.Of(PostgresChecks.TableBloat, PostgresFindingKinds.Table));
        Assert.Equal(blockerPid, table.Number("oldestSnapshotPid"));
        Assert.Equal("billing-worker", table.Text("oldestSnapshotApplication"));
        Assert.False(table.Flag("oldestSnapshotHoldsBackVacuum"), result.ToString());
        Assert.DoesNotContain("snapshot", table.Detail);
    }

    [Fact]
    public async Task A_transaction_held_open_over_deletes_keeps_vacuum_from_cleaning_and_is_named_as_the_cause_of_the_bloat()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "snapshot", cancellationToken: ct);
        var holderPid = await db.HoldSnapshotOverDeletesAsync("report-job", "events", rows: 40000, deadPercent: 50, Aged, ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), "the events page got slow and the disk is filling up", cancellationToken: ct);

        var table = Assert.Single(result.Of(PostgresChecks.TableBloat, PostgresFindingKinds.Table));
        Assert.Equal(holderPid, table.Number("oldestSnapshotPid"));
        Assert.Equal("report-job", table.Text("oldestSnapshotApplication"));
        Assert.Equal("idle in transaction", table.Text("oldestSnapshotState"));
        Assert.True(table.Flag("oldestSnapshotHoldsBackVacuum"), result.ToString());
        Assert.Contains($"session {holderPid} of 'report-job'", table.Detail);
        // The session that keeps vacuum from removing the rows is the cause; the bloat is what it causes.
        Assert.True(result.RootCause.Category == RootCauseCategory.DbIdleInTransaction, result.ToString());
        Assert.Equal("report-job", result.RootCause.Culprit);
        Assert.Contains(table.Id, result.RootCause.Evidence);
        var bloat = Assert.Single(result.Synthesis.ContributingFactors, c => c.Category == RootCauseCategory.DbTableBloat);
        Assert.Contains($"session {holderPid} of 'report-job' has kept its transaction open", bloat.Summary);
    }
}
