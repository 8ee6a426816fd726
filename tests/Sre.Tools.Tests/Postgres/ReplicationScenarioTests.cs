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
        await using (await db.PauseReplayBehindWritesAsync(fixture.Standby, ReplicationFixture.StandbyName, ct))
        {
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
    }
}
