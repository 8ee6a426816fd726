using Akka;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Sre.Actors.Sessions;

namespace Sre.Actors.Streams;

/// <summary>A session's events as an Akka.Streams source: first replayed from the journal after a
/// given sequence number, then live from distributed pub-sub, de-duplicated by sequence number and
/// ending after the terminal phase. Subscribing before the replay starts closes the gap between
/// the two: anything persisted after the replay's read arrives live.</summary>
public sealed class SessionEventSource(ActorSystem system, ICurrentEventsByPersistenceIdQuery journal)
{
    /// <summary>How many live events may queue while a slow client catches up; the oldest go first
    /// (the journal still has them for a reconnect with Last-Event-ID).</summary>
    public const int LiveBuffer = 2048;

    public async Task<Source<SessionStreamEvent, NotUsed>> OpenAsync(string sessionId, long afterSequenceNr, CancellationToken cancellationToken)
    {
        var materializer = system.Materializer();
        var (live, liveSource) = Source.ActorRef<SessionEventEnvelope>(LiveBuffer, OverflowStrategy.DropHead)
            .PreMaterialize(materializer);
        var mediator = DistributedPubSub.Get(system).Mediator;
        var topic = SessionTopics.Session(sessionId);
        await mediator.Ask<SubscribeAck>(new Subscribe(topic, live), TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);

        var replay = journal
            .CurrentEventsByPersistenceId("session-" + sessionId, afterSequenceNr + 1, long.MaxValue)
            .Where(e => e.Event is ISessionEvent)
            .Select(e => new SessionEventEnvelope(sessionId, e.SequenceNr, (ISessionEvent)e.Event));

        return replay
            .Concat(liveSource)
            .StatefulSelectMany<SessionEventEnvelope, SessionEventEnvelope, NotUsed>(() =>
            {
                var last = afterSequenceNr;
                return envelope =>
                {
                    if (envelope.SequenceNr <= last) return [];
                    last = envelope.SequenceNr;
                    return [envelope];
                };
            })
            // Events that are not streamed map to nothing (a stream may not carry null).
            .SelectMany(e => SessionStreamEvent.From(e.SequenceNr, e.Event) is { } streamed ? [streamed] : Array.Empty<SessionStreamEvent>())
            .TakeWhile(e => !e.IsFinal, inclusive: true)
            .WatchTermination((mat, done) =>
            {
                // The mediator's topic watches its subscribers and drops one that stops; an explicit
                // Unsubscribe only added an UnsubscribeAck dead letter per closed stream.
                done.ContinueWith(_ => live.Tell(PoisonPill.Instance), TaskScheduler.Default);
                return mat;
            });
    }
}
