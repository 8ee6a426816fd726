using Sre.Actors.Serialization;
using Sre.Tools.Model;

namespace Sre.Actors.Sessions;

/// <summary>Why a command was refused; the HTTP edge maps each kind to a status code.</summary>
public enum RejectionKind
{
    NotFound,
    Conflict,
    Forbidden,
    BadRequest,
}

public static class SessionReplies
{
    public sealed record StatusReply(SessionStatus Status) : ISreMessage;

    public sealed record ReportReply(Report Report) : ISreMessage;

    /// <summary>A clear refusal: a title a person can act on and a detail.</summary>
    public sealed record Rejected(RejectionKind Kind, string Title, string Detail) : ISreMessage;
}
