namespace Sre.Actors.Sessions;

/// <summary>The outcome of one command: events to persist, effects to perform afterwards, and the
/// reply. <see cref="ReplyWithStatus"/> means "answer with the status after the events".</summary>
public sealed record SessionDecision(
    IReadOnlyList<ISessionEvent> Events,
    IReadOnlyList<ISessionEffect> Effects,
    object? Reply)
{
    public static readonly object ReplyWithStatus = new();
    public static readonly object ReplyWithReport = new();

    public static SessionDecision Nothing { get; } = new([], [], null);

    public static SessionDecision Reject(RejectionKind kind, string title, string detail) =>
        new([], [], new SessionReplies.Rejected(kind, title, detail));

    public static SessionDecision Status() => new([], [], ReplyWithStatus);
}
