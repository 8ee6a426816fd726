using Akka.Actor;
using Sre.Actors.Serialization;
using Sre.Actors.Sessions;
using Sre.Tools.Model;

namespace Sre.Actors.Agents;

public static class AgentProtocol
{
    /// <summary>Run one agent for a session. Workers answer <see cref="SessionSignals.AgentAccepted"/>
    /// at once, stream <see cref="SessionSignals.AgentFindingReported"/> and end with
    /// <see cref="SessionSignals.AgentFinished"/>, all sent to <paramref name="ReplyTo"/> (the session
    /// shard region, so a session that moved still gets them).</summary>
    public sealed record RunAgent(
        string SessionId,
        string Key,
        int Attempt,
        AgentAssignment Assignment,
        Target Target,
        CredentialHandle? Handle,
        IActorRef CredentialActor,
        IActorRef ReplyTo,
        DateTimeOffset DeadlineAt,
        string? TraceParent) : ISreMessage;

    /// <summary>Broadcast to a pool: stop every run of a session (cancelled or failed).</summary>
    public sealed record CancelSessionAgents(string SessionId) : ISreMessage;
}
