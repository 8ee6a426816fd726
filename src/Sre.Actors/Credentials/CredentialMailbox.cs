using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using Akka.Event;
using Sre.Actors.Audit;

namespace Sre.Actors.Credentials;

/// <summary>The credential actor's mailbox: bounded, and accepting only <see cref="ICredentialProtocol"/>.
/// Anything else (a stray message, PoisonPill, Identify) is refused at enqueue, sent to dead
/// letters and recorded as a security event. Built on a plain queue with our own bound, since
/// Akka's BoundedMailbox blocks producers instead of refusing.</summary>
public sealed class CredentialMailbox : MailboxType, IProducesMessageQueue<CredentialMessageQueue>
{
    private readonly int _capacity;

    public CredentialMailbox(Settings settings, Config config) : base(settings, config) =>
        _capacity = config.GetInt("mailbox-capacity", 1000);

    public override IMessageQueue Create(IActorRef? owner, ActorSystem? system) =>
        new CredentialMessageQueue(_capacity, system);
}

public sealed class CredentialMessageQueue(int capacity, ActorSystem? system) : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private readonly ConcurrentQueue<Envelope> _queue = new();
    private int _count;

    public bool HasMessages => !_queue.IsEmpty;
    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        var message = Unwrap(envelope.Message);
        if (message is not ICredentialProtocol)
        {
            Refuse(receiver, envelope, $"message of type {message?.GetType().FullName ?? "null"} is not part of the credential protocol");
            return;
        }
        if (Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            Refuse(receiver, envelope, $"the credential mailbox is full ({capacity} messages)");
            return;
        }
        _queue.Enqueue(envelope);
    }

    /// <summary>The scheduler wraps what it delivers (ScheduledTellMsg); the actor cell unwraps it
    /// before the actor sees it, so judge the message inside.</summary>
    private static object? Unwrap(object? message)
    {
        while (message is IWrappedMessage wrapped) message = wrapped.Message;
        return message;
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (_queue.TryDequeue(out envelope))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }
        return false;
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var e)) deadletters.Enqueue(owner, e);
    }

    private void Refuse(IActorRef receiver, Envelope envelope, string reason)
    {
        if (system is null) return;
        var sender = envelope.Sender is null || envelope.Sender.IsNobody() ? "unknown" : envelope.Sender.Path.ToString();
        system.EventStream.Publish(new SecurityEvent(new AuditRecord(
            AuditKind.Security, DateTimeOffset.UtcNow, null, null, null, sender,
            $"Refused a message to the credential actor: {reason}")));
        system.DeadLetters.Tell(new DeadLetter(envelope.Message ?? "null", envelope.Sender ?? ActorRefs.NoSender, receiver));
    }
}
