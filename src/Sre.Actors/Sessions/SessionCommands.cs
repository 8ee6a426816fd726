using Sre.Actors.Serialization;
using Sre.Tools.Model;
using Sre.Tools.Synthesis;

namespace Sre.Actors.Sessions;

/// <summary>What can be asked of a session. Commands from the edge carry the caller's principal and
/// an optional W3C traceparent so the trace spans HTTP → session → agent.</summary>
public interface ISessionCommand : IWithSessionId, ISreMessage;

public static class SessionCommands
{
    public sealed record StartDiagnosis(
        string SessionId,
        DiagnosisRequest Request,
        Principal Principal,
        string? ConversationId = null,
        string? TraceParent = null) : ISessionCommand;

    public sealed record Approve(
        string SessionId,
        Principal Principal,
        IReadOnlyList<string>? References = null,
        string? Client = null,
        string? TraceParent = null) : ISessionCommand;

    public sealed record Deny(string SessionId, Principal Principal, string? Reason = null) : ISessionCommand;

    public sealed record Cancel(string SessionId, Principal Principal, string? Reason = null) : ISessionCommand;

    public sealed record GetStatus(string SessionId) : ISessionCommand;

    public sealed record GetReport(string SessionId) : ISessionCommand;
}

/// <summary>Messages the session's collaborators send back to it (planner, credential actor,
/// agents, timers, synthesizer).</summary>
public static class SessionSignals
{
    public sealed record PlanReady(string SessionId, DiagnosisPlan Plan) : ISessionCommand;

    public sealed record PlanFailed(string SessionId, string Reason) : ISessionCommand;

    public sealed record ApprovalTimeoutReached(string SessionId) : ISessionCommand;

    public sealed record CredentialsLeased(
        string SessionId,
        IReadOnlyList<CredentialHandle> Handles,
        IReadOnlyList<CredentialFailure> Failures) : ISessionCommand;

    /// <summary>A worker accepted a dispatch; until it does, the session re-sends it.</summary>
    public sealed record AgentAccepted(string SessionId, string Key, int Attempt) : ISessionCommand;

    public sealed record AgentDispatchUnacknowledged(string SessionId, string Key, int Attempt, int Resends) : ISessionCommand;

    public sealed record AgentFindingReported(string SessionId, string Key, int Attempt, Finding Finding) : ISessionCommand;

    public sealed record AgentFinished(
        string SessionId,
        string Key,
        int Attempt,
        AgentRunState State,
        long DurationMs,
        string? Error) : ISessionCommand;

    public sealed record AgentDeadlineReached(string SessionId, string Key, int Attempt) : ISessionCommand;

    public sealed record SynthesisReady(string SessionId, Synthesis Synthesis) : ISessionCommand;

    public sealed record SynthesisFailed(string SessionId, string Reason) : ISessionCommand;

    /// <summary>The investigator's answer for a follow-up round.</summary>
    public sealed record FollowUpReady(string SessionId, int Round, Sre.Tools.Llm.FollowUp FollowUp) : ISessionCommand;
}
