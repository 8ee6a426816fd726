using Sre.Tools.Model;

namespace Sre.Actors.Sessions;

/// <summary>One agent's run within a session, as the journal tells it.</summary>
public sealed record AgentRun
{
    public required AgentAssignment Assignment { get; init; }
    /// <summary>Unique within the session: the assignment's key, with "#round" for a follow-up run
    /// of an agent and target that already ran.</summary>
    public required string Key { get; init; }
    public AgentRunState State { get; init; } = AgentRunState.Pending;
    public int Attempt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? DeadlineAt { get; init; }
    public long? DurationMs { get; init; }
    public int Findings { get; init; }
    public string? Error { get; init; }
}
