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

    private static async Task CreateAccountsAsync(ScenarioDatabase db, CancellationToken ct) =>
        await db.ExecuteAsync("""
            CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL);
            INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 100) g;
            """, ct);

    /// <summary>'billing-worker' updates account 1 and goes idle without committing; three
    /// 'checkout-svc' sessions queue behind it. Waits until the pile-up is older than the thresholds.</summary>
    private static async Task<int> PileUpAsync(ScenarioDatabase db, CancellationToken ct)
    {
        var blocker = await db.OpenAppSessionAsync("billing-worker", ct);
        await ScenarioDatabase.RunAsync(blocker, "BEGIN; UPDATE accounts SET balance = balance + 1 WHERE id = 1;", ct);
        for (var i = 0; i < 3; i++)
            db.StartInBackground(await db.OpenAppSessionAsync("checkout-svc", ct), "UPDATE accounts SET balance = balance - 1 WHERE id = 1");
        await db.WaitUntilAsync($"""
            SELECT count(*) = 3 FROM pg_stat_activity
            WHERE datname = '{db.Name}' AND wait_event_type = 'Lock' AND now() - query_start > interval '1500 milliseconds'
            """, "three waiters behind the blocker", ct);
        await db.WaitUntilAsync($"SELECT now() - state_change > interval '2500 milliseconds' FROM pg_stat_activity WHERE pid = {blocker.ProcessID}", "the blocker to be idle in transaction for a while", ct);
        return blocker.ProcessID;
    }

    [Fact]
    public async Task An_idle_in_transaction_blocker_with_waiters_is_lock_contention_naming_the_blocker()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "locks", cancellationToken: ct);
        await CreateAccountsAsync(db, ct);
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
        await CreateAccountsAsync(db, ct);
        var session = await db.OpenAppSessionAsync("billing-worker", ct);
        await ScenarioDatabase.RunAsync(session, "BEGIN; SELECT balance FROM accounts WHERE id = 2 FOR UPDATE;", ct);
        await db.WaitUntilAsync($"SELECT now() - state_change > interval '2500 milliseconds' FROM pg_stat_activity WHERE pid = {session.ProcessID}", "the session to be idle in transaction for a while", ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), "checkout is stuck waiting on the database", cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.DbIdleInTransaction, result.ToString());
        Assert.Equal("billing-worker", result.RootCause.Culprit);
        Assert.Contains($"pid {session.ProcessID}", result.RootCause.Summary);
        Assert.Contains("FOR UPDATE", result.RootCause.Summary);
        var idle = Assert.Single(result.Of(PostgresChecks.Connections, PostgresFindingKinds.IdleInTransaction));
        Assert.Equal(session.ProcessID, idle.Number("pid"));
        Assert.Contains(result.Synthesis.Recommendations, r => r.Action.Contains($"pg_terminate_backend({session.ProcessID})"));
        Assert.Contains(result.Synthesis.Recommendations, r => r.Action.Contains("idle_in_transaction_session_timeout"));
        Assert.Empty(result.Of(PostgresChecks.Locks, PostgresFindingKinds.Blocker));
    }

    [Fact]
    public async Task A_statement_running_for_minutes_is_a_long_running_query_of_its_application()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "longq", cancellationToken: ct);
        var report = await db.OpenAppSessionAsync("report-job", ct);
        db.StartInBackground(report, "SELECT count(*) FROM pg_sleep(600)");
        await db.WaitUntilAsync($"SELECT state = 'active' AND now() - query_start > interval '2500 milliseconds' FROM pg_stat_activity WHERE pid = {report.ProcessID}", "the report query to run for a while", ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), "the database is slow, everything hangs", cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.DbLongRunningQuery, result.ToString());
        Assert.Equal("report-job", result.RootCause.Culprit);
        Assert.Contains("pg_sleep", result.RootCause.Summary);
        var query = Assert.Single(result.Of(PostgresChecks.LongRunningQueries, PostgresFindingKinds.Query));
        Assert.Equal(report.ProcessID, query.Number("pid"));
        Assert.True(query.Number("durationSeconds") >= 2, result.ToString());
        Assert.Contains(result.Synthesis.Recommendations, r => r.Action.Contains($"pg_cancel_backend({report.ProcessID})") && r.Risk == "low");
    }

    [Fact]
    public async Task A_little_bloat_next_to_a_lock_pile_up_is_only_a_contributing_factor()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "herring", cancellationToken: ct);
        await CreateAccountsAsync(db, ct);
        await db.ExecuteAsync("""
            CREATE TABLE audit_log (id bigint PRIMARY KEY, note text) WITH (autovacuum_enabled = false);
            INSERT INTO audit_log SELECT g, 'entry ' || g FROM generate_series(1, 40000) g;
            DELETE FROM audit_log WHERE id % 10 < 3;
            """, ct);
        await PileUpAsync(db, ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), SlowProblem, cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.DbLockContention, result.ToString());
        Assert.Equal("billing-worker", result.RootCause.Culprit);
        var bloat = Assert.Single(result.Synthesis.ContributingFactors, c => c.Category == RootCauseCategory.DbTableBloat);
        Assert.Contains("public.audit_log", bloat.Summary);
    }
}
