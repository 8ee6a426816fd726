using System.Text.Json;

namespace Sre.Host.Http;

/// <summary>POST /diagnose.</summary>
public sealed record DiagnoseBody(string? Problem, string? Environment, Dictionary<string, JsonElement>? Context, string? ConversationId);

/// <summary>POST /approve/{id}: approve (optionally a subset of references) or deny.</summary>
public sealed record ApproveBody(bool? Approved, string? Reason, List<string>? References, string? Client);

/// <summary>POST /cancel/{id}.</summary>
public sealed record CancelBody(string? Reason);

/// <summary>The 202 answer of POST /diagnose.</summary>
public sealed record DiagnoseAccepted(string SessionId, string Phase, SessionLinks Links);

public sealed record SessionLinks(string Status, string Stream, string Approve, string Report, string Cancel)
{
    public static SessionLinks For(string id) =>
        new($"/status/{id}", $"/stream/{id}", $"/approve/{id}", $"/report/{id}", $"/cancel/{id}");
}
