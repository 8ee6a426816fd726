using Sre.Testing.Postgres;
using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Tests.Postgres;

/// <summary>A streaming standby whose replay is paused (pg_wal_replay_pause) while the primary keeps
/// writing: the standby receives WAL but falls behind in replay.</summary>
public sealed class ReplicationScenarioTests(ReplicationFixture fixture) : IClassFixture<ReplicationFixture>
{
    private const string Problem = "reports show stale data from the read replica";

    [Fact]
    public async Task A_standby_with_replay_paused_behind_a_writing_primary_is_replication_lag_naming_the_standby()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "replag", cancellationToken: ct);
        await db.ExecuteAsync("CREATE TABLE ledger (id bigint PRIMARY KEY, entry text NOT NULL)", ct);
        await CaughtUpAsync(ct);
        await fixture.Standby.ExecuteAsync("SELECT pg_wal_replay_pause()", cancellationToken: ct);
        try
        {
            await db.ExecuteAsync("INSERT INTO ledger SELECT g, repeat('x', 200) FROM generate_series(1, 100000) g", ct);
            await ScenarioDatabase.WaitUntilAsync(fixture.Server,
                $"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) > 20 * 1024 * 1024 AND pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn) < 1024 * 1024 FROM pg_stat_replication WHERE application_name = '{ReplicationFixture.StandbyName}'",
                "the standby to receive the WAL without replaying it", cancellationToken: ct);

            var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), Problem, cancellationToken: ct);

            Assert.True(result.RootCause.Category == RootCauseCategory.DbReplicationLag, result.ToString());
            Assert.Equal(ReplicationFixture.StandbyName, result.RootCause.Culprit);
            Assert.Contains("not replaying", result.RootCause.Summary);
            var standby = Assert.Single(result.Of(PostgresChecks.Replication, PostgresFindingKinds.Standby));
            Assert.True(standby.Number("replayLagBytes") > 20 * 1024 * 1024, result.ToString());
            Assert.True(standby.Flag("replayStalled"), result.ToString());
            Assert.Contains(result.Synthesis.Recommendations, r => r.Action.Contains("pg_wal_replay_resume()"));

            // Pointed at the standby itself, the agent sees the pause directly.
            var onStandby = await Diagnose.RunAsync(db.Target("replica-db", port: fixture.Standby.Port), db.MonitorCredential(), Problem, cancellationToken: ct);
            Assert.True(onStandby.RootCause.Category == RootCauseCategory.DbReplicationLag, onStandby.ToString());
            var recovery = Assert.Single(onStandby.Of(PostgresChecks.Replication, PostgresFindingKinds.Recovery));
            Assert.True(recovery.Flag("replayPaused"));
        }
        finally
        {
            await fixture.Standby.ExecuteAsync("SELECT pg_wal_replay_resume()", cancellationToken: CancellationToken.None);
        }
    }

    private Task CaughtUpAsync(CancellationToken ct) => ScenarioDatabase.WaitUntilAsync(fixture.Server,
        $"SELECT replay_lsn >= pg_current_wal_lsn() FROM pg_stat_replication WHERE application_name = '{ReplicationFixture.StandbyName}'",
        "the standby to replay everything", cancellationToken: ct);
}
