using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres.Checks;

/// <summary>On a primary: each standby's lag in bytes (sent, written, flushed, replayed) and time,
/// whether it receives WAL but stopped replaying it (replay paused or a conflicting query), and
/// replication slots that retain WAL. On a standby: whether replay is paused and how far behind it is.</summary>
public sealed class ReplicationCheck : PostgresCheck
{
    private const string RecoverySql = "SELECT pg_is_in_recovery() AS in_recovery, pg_size_bytes(current_setting('max_wal_size'))::int8 AS max_wal";

    private const string StandbysSql = """
        SELECT r.pid, coalesce(r.application_name, '') AS application, coalesce(host(r.client_addr), 'local') AS client,
               coalesce(r.state, '') AS state, coalesce(r.sync_state, '') AS sync_state,
               pg_wal_lsn_diff(pg_current_wal_lsn(), r.sent_lsn)::int8 AS sent_lag,
               pg_wal_lsn_diff(pg_current_wal_lsn(), r.write_lsn)::int8 AS write_lag_bytes,
               pg_wal_lsn_diff(pg_current_wal_lsn(), r.flush_lsn)::int8 AS flush_lag_bytes,
               pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::int8 AS replay_lag_bytes,
               extract(epoch FROM r.write_lag)::float8 AS write_lag,
               extract(epoch FROM r.flush_lag)::float8 AS flush_lag,
               extract(epoch FROM r.replay_lag)::float8 AS replay_lag,
               extract(epoch FROM now() - r.reply_time)::float8 AS reply_age
        FROM pg_stat_replication r
        ORDER BY replay_lag_bytes DESC NULLS FIRST
        """;

    private const string SlotsSql = """
        SELECT s.slot_name::text AS slot, s.slot_type AS type, s.active, s.database::text AS db,
               coalesce(s.wal_status, '') AS wal_status,
               pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::int8 AS retained
        FROM pg_replication_slots s
        ORDER BY retained DESC NULLS LAST
        """;

    private const string StandbySelfSql = """
        SELECT pg_get_wal_replay_pause_state() AS pause_state,
               pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::int8 AS unreplayed,
               extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS since_last_replay,
               (SELECT w.status FROM pg_stat_wal_receiver w) AS receiver,
               (SELECT w.sender_host || ':' || w.sender_port FROM pg_stat_wal_receiver w) AS sender
        """;

    public override string Name => PostgresChecks.Replication;

    public override async Task<IReadOnlyList<Finding>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var server = await context.Session.SingleAsync(RecoverySql, r => (InRecovery: r.Bool("in_recovery"), MaxWal: r.Long("max_wal")), cancellationToken);
        if (server.InRecovery) return [await StandbySelf(context, cancellationToken)];

        var standbys = await context.Session.QueryAsync(StandbysSql, r => new StandbyRow(
                r.GetInt32(0), r.Text("application")!, r.Text("client")!, r.Text("state")!, r.Text("sync_state")!,
                r.NullableLong("sent_lag"), r.NullableLong("write_lag_bytes"), r.NullableLong("flush_lag_bytes"), r.NullableLong("replay_lag_bytes"),
                r.NullableDouble("write_lag"), r.NullableDouble("flush_lag"), r.NullableDouble("replay_lag"), r.NullableDouble("reply_age")),
            cancellationToken);
        var slots = await context.Session.QueryAsync(SlotsSql, r => new SlotRow(
                r.Text("slot")!, r.Text("type")!, r.Bool("active"), r.Text("db"), r.Text("wal_status")!, r.NullableLong("retained")),
            cancellationToken);

        var findings = standbys.Select(s => Standby(context, s)).ToList();
        findings.AddRange(slots
            .Where(s => s.WalStatus is "unreserved" or "lost" || (!s.Active && s.Retained >= context.Thresholds.SlotRetainedWalRatio * server.MaxWal))
            .Select(s => Slot(context, s, server.MaxWal)));
        if (findings.Count == 0 || findings.All(f => f.Severity == Severity.Info))
            findings.Add(NewFinding(context, Severity.Info, PostgresFindingKinds.Summary,
                standbys.Count == 0 && slots.Count == 0 ? "No standbys and no replication slots" : $"{standbys.Count} standby(s) within lag limits; {slots.Count} slot(s), none retaining excess WAL",
                string.Join("; ", slots.Select(s => $"slot '{s.Name}' {(s.Active ? "active" : "inactive")} retains {Humanize.Bytes(s.Retained ?? 0)}")),
                new JsonObject { ["standbys"] = (long)standbys.Count, ["slots"] = (long)slots.Count }));
        return findings;
    }

    private Finding Standby(CheckContext context, StandbyRow s)
    {
        var t = context.Thresholds;
        var replayBytes = s.ReplayLagBytes ?? s.FlushLagBytes ?? 0;
        var flushBytes = s.FlushLagBytes ?? 0;
        var replaySeconds = s.ReplayLag ?? 0;
        // Received and flushed but not replayed: the standby has the WAL and is not applying it.
        var stalled = replayBytes >= t.ReplicationLagWarningBytes && flushBytes * 4 < replayBytes;
        var severity = (Severity)Math.Max(
            (int)Grade(replayBytes, t.ReplicationLagWarningBytes, t.ReplicationLagCriticalBytes),
            (int)Grade(replaySeconds, t.ReplicationLagWarning.TotalSeconds, t.ReplicationLagCritical.TotalSeconds));
        var name = s.Application.Length > 0 ? s.Application : s.Client;
        var data = new JsonObject
        {
            ["application"] = s.Application,
            ["standby"] = name,
            ["clientAddress"] = s.Client,
            ["pid"] = (long)s.Pid,
            ["state"] = s.State,
            ["syncState"] = s.SyncState,
            ["sentLagBytes"] = s.SentLagBytes,
            ["writeLagBytes"] = s.WriteLagBytes,
            ["flushLagBytes"] = s.FlushLagBytes,
            ["replayLagBytes"] = replayBytes,
            ["writeLagSeconds"] = s.WriteLag,
            ["flushLagSeconds"] = s.FlushLag,
            ["replayLagSeconds"] = s.ReplayLag,
            ["replyAgeSeconds"] = s.ReplyAge is { } age ? FindingData.Seconds(age) : null,
            ["replayStalled"] = stalled,
        };
        var detail = stalled
            ? $"It has received and flushed all but {Humanize.Bytes(flushBytes)} yet not replayed {Humanize.Bytes(replayBytes)}: replay is paused (pg_wal_replay_pause) or held back by a conflicting query on the standby."
            : $"State {s.State} ({s.SyncState}); sent {Humanize.Bytes(s.SentLagBytes ?? 0)}, flushed {Humanize.Bytes(flushBytes)} and replayed {Humanize.Bytes(replayBytes)} behind the primary.";
        return NewFinding(context, severity, PostgresFindingKinds.Standby,
            $"Standby '{name}' ({s.Client}) is {Humanize.Bytes(replayBytes)} behind in replay" + (s.ReplayLag is { } lag ? $" (replay lag {Humanize.Duration(lag)})" : ""),
            detail, data);
    }

    private Finding Slot(CheckContext context, SlotRow s, long maxWal) =>
        NewFinding(context, s.WalStatus == "lost" ? Severity.Critical : Severity.Warning, PostgresFindingKinds.Slot,
            $"Replication slot '{s.Name}' ({s.Type}, {(s.Active ? "active" : "inactive")}) retains {Humanize.Bytes(s.Retained ?? 0)} of WAL",
            $"max_wal_size is {Humanize.Bytes(maxWal)}; wal_status {s.WalStatus}. WAL a slot retains cannot be recycled and fills the disk if its consumer never returns.",
            new JsonObject
            {
                ["slot"] = s.Name,
                ["slotType"] = s.Type,
                ["active"] = s.Active,
                ["database"] = s.Database,
                ["walStatus"] = s.WalStatus,
                ["retainedBytes"] = s.Retained,
                ["maxWalSizeBytes"] = maxWal,
            });

    private async Task<Finding> StandbySelf(CheckContext context, CancellationToken cancellationToken)
    {
        var t = context.Thresholds;
        var s = await context.Session.SingleAsync(StandbySelfSql, r => (
            Pause: r.Text("pause_state") ?? "not paused", Unreplayed: r.NullableLong("unreplayed") ?? 0, SinceReplay: r.NullableDouble("since_last_replay"),
            Receiver: r.Text("receiver"), Sender: r.Text("sender")), cancellationToken);
        var paused = s.Pause != "not paused";
        var severity = paused ? Severity.Critical : Grade(s.Unreplayed, t.ReplicationLagWarningBytes, t.ReplicationLagCriticalBytes);
        return NewFinding(context, severity, PostgresFindingKinds.Recovery,
            paused ? $"This server is a standby with WAL replay {s.Pause}" : $"This server is a standby, {Humanize.Bytes(s.Unreplayed)} of received WAL not yet replayed",
            $"WAL receiver {s.Receiver ?? "not running"}" + (s.Sender is null ? "" : $" from {s.Sender}") +
            (s.SinceReplay is { } since ? $"; last replayed transaction {Humanize.Duration(since)} ago." : ".") +
            (paused ? " Resume with SELECT pg_wal_replay_resume(); on this standby." : ""),
            new JsonObject
            {
                ["standby"] = context.Target.Name,
                ["replayPaused"] = paused,
                ["pauseState"] = s.Pause,
                ["unreplayedBytes"] = s.Unreplayed,
                ["secondsSinceLastReplay"] = s.SinceReplay,
                ["receiverStatus"] = s.Receiver,
                ["sender"] = s.Sender,
            });
    }

    private sealed record StandbyRow(int Pid, string Application, string Client, string State, string SyncState,
        long? SentLagBytes, long? WriteLagBytes, long? FlushLagBytes, long? ReplayLagBytes,
        double? WriteLag, double? FlushLag, double? ReplayLag, double? ReplyAge);

    private sealed record SlotRow(string Name, string Type, bool Active, string? Database, string WalStatus, long? Retained);
}
