namespace Sre.Actors.Streams;

/// <summary>Distributed pub-sub topics the sessions publish to.</summary>
public static class SessionTopics
{
    /// <summary>Every persisted event of one session, for its live streams.</summary>
    public static string Session(string sessionId) => "sre-session-" + sessionId;

    /// <summary>Summary changes of all sessions, for the per-node session directory.</summary>
    public const string Summaries = "sre-sessions";
}
