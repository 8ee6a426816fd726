using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Synthesis.Rules;

/// <summary>A standby behind the primary (naming its application_name and address, and whether it
/// receives WAL but does not replay it), a replication slot retaining WAL (naming the slot), or —
/// when the target is itself a standby — replay paused or behind.</summary>
public sealed class ReplicationLagRule : IRootCauseRule
{
    public IEnumerable<Hypothesis> Evaluate(SynthesisInput input)
    {
        foreach (var f in DbFindings.Of(input, PostgresChecks.Replication, PostgresFindingKinds.Standby).Where(f => f.Severity >= Severity.Warning))
        {
            var standby = f.Text("standby") ?? f.Text("application") ?? "?";
            var client = f.Text("clientAddress") ?? "?";
            var stalled = f.Flag("replayStalled");
            var replay = f.Number("replayLagBytes") ?? 0;
            var seconds = f.Number("replayLagSeconds");
            yield return new Hypothesis
            {
                Category = RootCauseCategory.DbReplicationLag,
                Culprit = standby,
                // While replay is stalled the walsender's replay_lag keeps its last sample: not worth quoting.
                Summary = $"Standby '{standby}' ({client}) is {Humanize.Bytes(replay)} behind the primary in replay" +
                          (seconds is { } s && !stalled ? $" (replay lag {Humanize.Duration(s)})" : "") +
                          (stalled ? ": it has received the WAL but is not replaying it (replay paused, or held back by a conflicting query on the standby)." : "."),
                Evidence = [f.Id],
                Confidence = Math.Min(0.95, (f.Severity == Severity.Critical ? 0.85 : 0.7) + (stalled ? 0.05 : 0)),
                Recommendations = stalled
                    ?
                    [
                        new($"On standby '{standby}': SELECT pg_get_wal_replay_pause_state(); if it says paused, SELECT pg_wal_replay_resume(); Risk: none beyond the standby catching up (I/O while it replays).", "low", [f.Id]),
                        new($"If replay is not paused, look for a long query on '{standby}' that conflicts with replay (pg_stat_activity there; max_standby_streaming_delay, hot_standby_feedback).", "low", [f.Id]),
                    ]
                    :
                    [
                        new($"Compare sent, flushed and replayed positions of '{standby}': a send/flush gap points at the network, a replay gap at I/O or conflicts on the standby; meanwhile route reads that need fresh data to the primary.", "low", [f.Id]),
                    ],
            };
        }

        foreach (var f in DbFindings.Of(input, PostgresChecks.Replication, PostgresFindingKinds.Slot).Where(f => f.Severity >= Severity.Warning))
        {
            var slot = f.Text("slot") ?? "?";
            var active = f.Flag("active");
            yield return new Hypothesis
            {
                Category = RootCauseCategory.DbReplicationLag,
                Culprit = $"slot '{slot}'",
                Summary = $"Replication slot '{slot}' ({(active ? "active" : "inactive")}, wal_status {f.Text("walStatus")}) retains {Humanize.Bytes(f.Number("retainedBytes") ?? 0)} of WAL: its consumer is not keeping up or gone.",
                Evidence = [f.Id],
                Confidence = f.Severity == Severity.Critical ? 0.8 : active ? 0.55 : 0.65,
                Recommendations =
                [
                    active
                        ? new($"Find why the consumer of slot '{slot}' falls behind (pg_stat_replication for its pid).", "low", [f.Id])
                        : new($"If nothing will consume slot '{slot}' again: SELECT pg_drop_replication_slot('{slot.Replace("'", "''")}'); Risk: its consumer must be re-seeded if it ever returns.", "medium", [f.Id]),
                ],
            };
        }

        foreach (var f in DbFindings.Of(input, PostgresChecks.Replication, PostgresFindingKinds.Recovery).Where(f => f.Severity >= Severity.Warning))
        {
            var paused = f.Flag("replayPaused");
            yield return new Hypothesis
            {
                Category = RootCauseCategory.DbReplicationLag,
                Culprit = f.Target,
                Summary = paused
                    ? $"Standby '{f.Target}' has WAL replay {f.Text("pauseState")}; {Humanize.Bytes(f.Number("unreplayedBytes") ?? 0)} received but not applied, so reads there are stale."
                    : $"Standby '{f.Target}' has {Humanize.Bytes(f.Number("unreplayedBytes") ?? 0)} of received WAL not yet replayed.",
                Evidence = [f.Id],
                Confidence = paused ? 0.85 : 0.7,
                Recommendations = paused
                    ? [new($"On '{f.Target}': SELECT pg_wal_replay_resume();", "low", [f.Id])]
                    : [new($"Check I/O and conflicting queries on '{f.Target}'.", "low", [f.Id])],
            };
        }
    }
}
