namespace Sre.Actors.Sessions;

/// <summary>The timing and approval rules sessions follow, read from <c>sre.sessions</c> in HOCON.</summary>
public sealed record SessionPolicy
{
    /// <summary>How long a session waits for a human before it expires.</summary>
    public TimeSpan ApprovalTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long one agent may run before it is marked timed_out.</summary>
    public TimeSpan AgentDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Lifetime of a credential handle (never beyond the session).</summary>
    public TimeSpan CredentialTtl { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Two-person rule: the requester may not approve their own session.</summary>
    public bool RequireDistinctApprover { get; init; }

    /// <summary>How long a dispatched agent has to acknowledge before the session re-sends it.</summary>
    public TimeSpan DispatchAckTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public int MaxDispatchResends { get; init; } = 3;

    /// <summary>Follow-up rounds the investigator may ask for after the first findings (0: none,
    /// which is the case without an LLM).</summary>
    public int MaxFollowUpRounds { get; init; }

    /// <summary>How long a finished session stays in memory before it passivates.</summary>
    public TimeSpan PassivateAfterEnd { get; init; } = TimeSpan.FromSeconds(30);

    public static SessionPolicy Default { get; } = new();
}
