namespace Sre.Actors.Sessions;

/// <summary>The phases of a diagnosis session; on the wire in snake_case (waiting_for_input).</summary>
public enum SessionPhase
{
    Analyzing,
    WaitingForInput,
    RetrievingCredentials,
    Diagnosing,
    Synthesizing,
    Completed,
    Denied,
    Expired,
    Failed,
    Cancelled,
}

public static class SessionPhaseExtensions
{
    public static bool IsTerminal(this SessionPhase phase) =>
        phase is SessionPhase.Completed or SessionPhase.Denied or SessionPhase.Expired or SessionPhase.Failed or SessionPhase.Cancelled;

    /// <summary>The API spelling: waiting_for_input, retrieving_credentials …</summary>
    public static string ToWire(this SessionPhase phase) => phase switch
    {
        SessionPhase.WaitingForInput => "waiting_for_input",
        SessionPhase.RetrievingCredentials => "retrieving_credentials",
        _ => phase.ToString().ToLowerInvariant(),
    };

    public static bool TryParseWire(string text, out SessionPhase phase)
    {
        foreach (var p in Enum.GetValues<SessionPhase>())
        {
            if (string.Equals(p.ToWire(), text, StringComparison.OrdinalIgnoreCase))
            {
                phase = p;
                return true;
            }
        }
        phase = default;
        return false;
    }
}
