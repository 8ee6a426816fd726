using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Sre.Actors.Serialization;

namespace Sre.Actors.Audit;

/// <summary>Appends audit records to the journal, tagged so every node can read the whole trail.
/// One stream per process incarnation: no two writers ever share a persistence id, so no cluster
/// singleton is needed for an append-only log.</summary>
public sealed class AuditLogActor : ReceivePersistentActor
{
    public const string Tag = "audit";

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public sealed record Recorded(AuditRecord Record) : ISreMessage;

    public override string PersistenceId { get; }

    public AuditLogActor(string incarnation)
    {
        PersistenceId = "audit-" + incarnation;
        Command<AuditRecord>(r => Persist(new Tagged(new Recorded(r), [Tag]), _ => { }));
        Command<SecurityEvent>(e => Persist(new Tagged(new Recorded(e.Record), [Tag]), _ =>
            _log.Warning("Security event: {0}", e.Record.Detail)));
        Recover<Recorded>(_ => { });
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        _log.Error(cause, "Could not persist audit record #{0}", sequenceNr);
}

/// <summary>Published on the event stream when something tried what it must not (a stray message to
/// the credential actor, a redeem outside its binding); the audit log persists it.</summary>
public sealed record SecurityEvent(AuditRecord Record);
