using Sre.Actors.Serialization;

namespace Sre.Actors.Sessions;

/// <summary>A line of GET /sessions, kept by every node's session directory.</summary>
public sealed record SessionSummary(
    string SessionId,
    string Phase,
    string Problem,
    string Environment,
    string Requester,
    string? ConversationId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : ISreMessage;
