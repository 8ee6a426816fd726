using Sre.Tools.Model;

namespace Sre.Host.Tests.Scenarios;

/// <summary>A streaming standby ('reporting-replica') with replay paused while its primary writes,
/// and a replication slot nobody consumes (staged by <see cref="DatabaseIncidents"/>).</summary>
[Collection(DatabaseIncidents.Collection)]
public sealed class ReplicationScenarios(DatabaseIncidents fixture)
{
    private const string StaleReads = "reports show stale data from the read replica";

    [Fact]
    public async Task A_standby_with_replay_paused_while_the_primary_writes_is_replication_lag_naming_the_standby()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("replica", StaleReads, ct);

        report.AssertRootCause(RootCauseCategory.DbReplicationLag, $"Standby '{DatabaseIncidents.StandbyName}'", "not replaying");
        report.Recommendation($"On standby '{DatabaseIncidents.StandbyName}'", "pg_wal_replay_resume()");
    }

    [Fact]
    public async Task Asked_about_the_paused_standby_itself_the_agent_sees_the_pause_there()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("standby", StaleReads, ct);

        report.AssertRootCause(RootCauseCategory.DbReplicationLag, $"Standby '{ScenarioCatalog.TargetName("standby")}'", "replay paused");
        report.Recommendation("pg_wal_replay_resume()");
    }

    [Fact]
    public async Task A_replication_slot_nobody_consumes_any_more_is_replication_lag_naming_the_slot()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("slot", "pg_wal keeps growing on the primary since the analytics replica was retired", ct);

        report.AssertRootCause(RootCauseCategory.DbReplicationLag, $"slot '{DatabaseIncidents.AbandonedSlot}'", "inactive");
        Assert.Equal("medium", report.Recommendation($"pg_drop_replication_slot('{DatabaseIncidents.AbandonedSlot}')").Risk);
    }
}
