using Sre.Tools.Model;

namespace Sre.Actors.Sessions;

/// <summary>Something the session actor must do after its events are persisted. The decider names
/// effects; the actor performs them, so every decision stays a testable pure function.</summary>
public interface ISessionEffect;

public static class SessionEffects
{
    public sealed record RequestPlan : ISessionEffect;

    public sealed record ScheduleApprovalTimeout(DateTimeOffset At) : ISessionEffect;

    public sealed record LeaseCredentials(IReadOnlyList<LeaseItem> Items, DateTimeOffset ExpiresAt, string Principal) : ISessionEffect;

    public sealed record DispatchAgent(string Key, AgentAssignment Assignment, int Attempt, CredentialHandle? Handle, DateTimeOffset DeadlineAt) : ISessionEffect;

    /// <summary>Ask the investigator whether the findings call for another round of checks.</summary>
    public sealed record RequestFollowUp(int Round) : ISessionEffect;

    public sealed record RequestSynthesis : ISessionEffect;

    public sealed record RevokeCredentials : ISessionEffect;

    public sealed record CancelAgents : ISessionEffect;

    /// <summary>A finished session leaves memory after a while; its journal stays.</summary>
    public sealed record PassivateLater : ISessionEffect;

    public sealed record RecordAudit(string Kind, string Detail, string? Principal = null, IReadOnlyList<string>? References = null, string? Client = null) : ISessionEffect;
}

/// <summary>One reference to lease and the agent kinds that will redeem it.</summary>
public sealed record LeaseItem(string Reference, IReadOnlyList<string> Agents);
