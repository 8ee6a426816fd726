using Sre.Actors.Serialization;
using Sre.Tools.Llm;
using Sre.Tools.Model;

namespace Sre.Actors.Sessions;

/// <summary>A fact in a session's journal. Replaying them rebuilds the session. Events never hold a
/// secret value: references, handle ids and findings only.</summary>
public interface ISessionEvent : ISreMessage
{
    DateTimeOffset At { get; }
}

public static class SessionEvents
{
    public sealed record SessionStarted(
        string SessionId,
        DiagnosisRequest Request,
        string Requester,
        string? ConversationId,
        DateTimeOffset At) : ISessionEvent;

    public sealed record PhaseChanged(SessionPhase Phase, string? Reason, DateTimeOffset At) : ISessionEvent;

    public sealed record PlanAdopted(DiagnosisPlan Plan, DateTimeOffset At) : ISessionEvent;

    public sealed record ApprovalRequested(
        string Prompt,
        IReadOnlyList<AccessRequest> RequestedAccess,
        DateTimeOffset ExpiresAt,
        DateTimeOffset At) : ISessionEvent;

    public sealed record ApprovalGranted(
        string Principal,
        IReadOnlyList<string> References,
        string? Client,
        DateTimeOffset At) : ISessionEvent;

    public sealed record ApprovalDenied(string Principal, string? Reason, DateTimeOffset At) : ISessionEvent;

    public sealed record ApprovalExpired(DateTimeOffset At) : ISessionEvent;

    /// <summary>Handles the credential actor issued (ids and bindings, never values).</summary>
    public sealed record CredentialsIssued(
        IReadOnlyList<CredentialHandle> Handles,
        IReadOnlyList<CredentialFailure> Failures,
        DateTimeOffset At) : ISessionEvent;

    public sealed record AgentStarted(
        string Key,
        string Agent,
        string Target,
        int Attempt,
        DateTimeOffset DeadlineAt,
        DateTimeOffset At) : ISessionEvent;

    /// <summary>A finding, with the id the session assigned.</summary>
    public sealed record FindingRecorded(string Key, int Attempt, Finding Finding, DateTimeOffset At) : ISessionEvent;

    public sealed record AgentCompleted(
        string Key,
        string Agent,
        string Target,
        AgentRunState State,
        long? DurationMs,
        string? Error,
        DateTimeOffset At) : ISessionEvent;

    public sealed record ReportProduced(Report Report, DateTimeOffset At) : ISessionEvent;

    /// <summary>The investigator's follow-up round: runs to add now, runs that wait for a narrower approval.</summary>
    public sealed record FollowUpPlanned(
        int Round,
        IReadOnlyList<AgentAssignment> Ready,
        IReadOnlyList<AgentAssignment> NeedsApproval,
        IReadOnlyList<AccessRequest> Access,
        string Rationale,
        bool Done,
        IReadOnlyList<LlmCall> LlmCalls,
        DateTimeOffset At) : ISessionEvent;

    /// <summary>Something went wrong that the user should see (a fallback, a failed lease …).</summary>
    public sealed record SessionError(string Title, string Detail, DateTimeOffset At) : ISessionEvent;
}

/// <summary>An opaque handle bound to a session, an agent kind and a reference, until it expires.</summary>
public sealed record CredentialHandle(string HandleId, string Reference, IReadOnlyList<string> Agents, DateTimeOffset ExpiresAt);

/// <summary>A reference that could not be fetched, with a reason a person can act on.</summary>
public sealed record CredentialFailure(string Reference, string Reason);
