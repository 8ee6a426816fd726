using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Sre.Actors.Audit;

namespace Sre.Host.Http;

/// <summary>Reads the audit trail from the journal (every node's stream, by tag).</summary>
public sealed class AuditReader(ActorSystem system, ICurrentEventsByTagQuery journal)
{
    public async Task<IReadOnlyList<AuditRecord>> ReadAsync(string? sessionId, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var records = await journal.CurrentEventsByTag(AuditLogActor.Tag, Offset.NoOffset())
            .Where(e => e.Event is AuditLogActor.Recorded)
            .Select(e => ((AuditLogActor.Recorded)e.Event).Record)
            .Where(r => sessionId is null || r.SessionId == sessionId)
            .Where(r => since is null || r.At >= since)
            .RunAggregate(new List<AuditRecord>(), (list, r) => { list.Add(r); return list; }, system.Materializer());
        return records.OrderBy(r => r.At).ToList();
    }
}
