using System.Text.Json;

namespace Sre.Host.Client;

// The wire shapes of docs/API.md as a client reads them: every field the server may leave out is
// nullable, and unknown fields are ignored, so a newer server never breaks an older client.

/// <summary>The 202 answer of POST /diagnose.</summary>
public sealed record DiagnoseAccepted(string SessionId, string Phase);

/// <summary>GET /status/{id}.</summary>
public sealed record SessionView
{
    public string SessionId { get; init; } = "";
    public string Phase { get; init; } = "";
    public string Problem { get; init; } = "";
    public string Environment { get; init; } = "";
    public string? Prompt { get; init; }
    public IReadOnlyList<AccessView>? RequestedAccess { get; init; }
    public DateTimeOffset? ApprovalExpiresAt { get; init; }
    public IReadOnlyList<AgentView> Agents { get; init; } = [];
    public int FindingCount { get; init; }
    public RootCauseView? RootCause { get; init; }
    public IReadOnlyList<ApprovalView> Approvals { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public IReadOnlyList<string> Errors { get; init; } = [];
    public string? EndReason { get; init; }
    public string? Requester { get; init; }
    public string? ConversationId { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }

    public bool IsTerminal => Phases.IsTerminal(Phase);
}

public sealed record AccessView(string Reference, string? Access, string? Reason, IReadOnlyList<string>? Agents);

public sealed record AgentView(string Kind, string Target, string State, int Findings, long? DurationMs, string? Error);

public sealed record RootCauseView(string Category, string Summary, double Confidence, IReadOnlyList<string>? Evidence, string? Culprit);

public sealed record ApprovalView(string Principal, IReadOnlyList<string>? References, DateTimeOffset At);

/// <summary>A line of GET /sessions.</summary>
public sealed record SessionListItem(string SessionId, string Phase, string Problem, string Environment, string? Requester, string? ConversationId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A line of GET /environments.</summary>
public sealed record EnvironmentView(string Name, IReadOnlyList<TargetView>? Targets);

public sealed record TargetView(string Name, string Kind, string? Agent, string? Credential);

/// <summary>GET /health/ready, whether it answered 200 or 503.</summary>
public sealed record Readiness(bool Ready, IReadOnlyDictionary<string, string> Checks, IReadOnlyList<string> Failing, IReadOnlyList<string> Warnings);

/// <summary>One event of GET /stream/{id}.</summary>
public sealed record StreamEvent(long? Id, string Name, JsonElement Data)
{
    public string? Text(string property) =>
        Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>True for the event after which the server ends the stream.</summary>
    public bool IsFinal => Name == "phase" && Phases.IsTerminal(Text("phase"));
}

/// <summary>The session phases of the contract.</summary>
public static class Phases
{
    public const string Analyzing = "analyzing";
    public const string WaitingForInput = "waiting_for_input";
    public const string Completed = "completed";
    public const string Denied = "denied";
    public const string Expired = "expired";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string? phase) => phase is Completed or Denied or Expired or Failed or Cancelled;
}
