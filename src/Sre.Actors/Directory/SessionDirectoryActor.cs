using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Sre.Actors.Sessions;
using Sre.Actors.Streams;
using static Sre.Actors.Sessions.SessionEvents;

namespace Sre.Actors.Directory;

/// <summary>Keeps a <see cref="SessionDirectory"/> current: subscribes to summary changes, then reads
/// every tagged summary event from the journal. Once loaded, it wakes sessions that were mid-flight
/// when their node stopped, so approval timers fire and unfinished agents re-run without anyone
/// having to touch the session first.</summary>
public sealed class SessionDirectoryActor : ReceiveActor
{
    private readonly SessionDirectory _directory;
    private readonly ICurrentEventsByTagQuery _journal;
    private readonly Func<IActorRef> _region;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private sealed record Loaded(IReadOnlyList<SessionSummary> Summaries);

    public SessionDirectoryActor(SessionDirectory directory, ICurrentEventsByTagQuery journal, Func<IActorRef> region)
    {
        _directory = directory;
        _journal = journal;
        _region = region;

        Receive<SubscribeAck>(_ => Load());
        Receive<SessionSummary>(_directory.Upsert);
        Receive<Loaded>(OnLoaded);
        Receive<Status.Failure>(f =>
        {
            _log.Error(f.Cause, "Could not read session summaries from the journal; GET /sessions shows live sessions only");
            _directory.MarkLoaded();
        });
        Receive<SessionReplies.StatusReply>(_ => { });
        Receive<SessionReplies.Rejected>(_ => { });
    }

    public static Props Props(SessionDirectory directory, ICurrentEventsByTagQuery journal, Func<IActorRef> region) =>
        Akka.Actor.Props.Create(() => new SessionDirectoryActor(directory, journal, region));

    protected override void PreStart() =>
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(SessionTopics.Summaries, Self));

    private void Load()
    {
        _journal.CurrentEventsByTag(SessionActor.SummaryTag, Offset.NoOffset())
            .RunAggregate(new Dictionary<string, SessionSummary>(), (acc, envelope) =>
            {
                var id = envelope.PersistenceId.StartsWith("session-", StringComparison.Ordinal) ? envelope.PersistenceId["session-".Length..] : envelope.PersistenceId;
                acc.TryGetValue(id, out var s);
                switch (envelope.Event)
                {
                    case SessionStarted started:
                        acc[id] = new SessionSummary(id, SessionPhase.Analyzing.ToWire(), started.Request.Problem, started.Request.Environment,
                            started.Requester, started.ConversationId, started.At, started.At);
                        break;
                    case PhaseChanged p when s is not null:
                        acc[id] = s with { Phase = p.Phase.ToWire(), UpdatedAt = p.At };
                        break;
                }
                return acc;
            }, Context.System.Materializer())
            .PipeTo(Self, success: d => new Loaded(d.Values.ToList()));
    }

    private void OnLoaded(Loaded loaded)
    {
        foreach (var s in loaded.Summaries) _directory.Upsert(s);
        _directory.MarkLoaded();
        var unfinished = loaded.Summaries.Where(s => SessionPhaseExtensions.TryParseWire(s.Phase, out var p) && !p.IsTerminal()).ToList();
        _log.Info("Session directory loaded {0} sessions; waking {1} unfinished", loaded.Summaries.Count, unfinished.Count);
        foreach (var s in unfinished) _region().Tell(new SessionCommands.GetStatus(s.SessionId));
    }
}
