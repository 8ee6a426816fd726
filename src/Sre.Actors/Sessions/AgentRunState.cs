namespace Sre.Actors.Sessions;

/// <summary>Where one agent run stands; on the wire in snake_case.</summary>
public enum AgentRunState
{
    Pending,
    Running,
    Completed,
    Failed,
    TimedOut,
    NotApproved,
    Cancelled,
}

public static class AgentRunStateExtensions
{
    public static bool IsFinished(this AgentRunState state) => state is not (AgentRunState.Pending or AgentRunState.Running);

    public static string ToWire(this AgentRunState state) => state switch
    {
        AgentRunState.TimedOut => "timed_out",
        AgentRunState.NotApproved => "not_approved",
        _ => state.ToString().ToLowerInvariant(),
    };
}
