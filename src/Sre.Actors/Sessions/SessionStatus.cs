using Sre.Tools.Model;

namespace Sre.Actors.Sessions;

/// <summary>The body of GET /status/{id}: where a session stands, readable by a person and a program.</summary>
public sealed record SessionStatus
{
    public required string SessionId { get; init; }
    public required string Phase { get; init; }
    public required string Problem { get; init; }
    public required string Environment { get; init; }
    public string? Prompt { get; init; }
    public IReadOnlyList<AccessRequest>? RequestedAccess { get; init; }
    public DateTimeOffset? ApprovalExpiresAt { get; init; }
    public required IReadOnlyList<AgentStatus> Agents { get; init; }
    public int FindingCount { get; init; }
    public RootCause? RootCause { get; init; }
    public IReadOnlyList<ApprovalRecord> Approvals { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public IReadOnlyList<string> Errors { get; init; } = [];
    public string? EndReason { get; init; }
    public string Requester { get; init; } = "";
    public string? ConversationId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Model usage so far (absent without an LLM).</summary>
    public LlmUsage? Llm { get; init; }

    public static SessionStatus From(SessionState s) => new()
    {
        SessionId = s.SessionId,
        Phase = s.Phase.ToWire(),
        Problem = s.Request?.Problem ?? "",
        Environment = s.Request?.Environment ?? "",
        Prompt = s.Phase == SessionPhase.WaitingForInput ? s.Prompt : null,
        RequestedAccess = s.RequestedAccess.Count > 0 ? s.RequestedAccess : null,
        ApprovalExpiresAt = s.Phase == SessionPhase.WaitingForInput ? s.ApprovalExpiresAt : null,
        Agents = s.Agents.Select(a => new AgentStatus(a.Assignment.Agent, a.Assignment.Target, a.State.ToWire(), a.Findings, a.DurationMs, a.Error)).ToList(),
        FindingCount = s.Findings.Count,
        RootCause = s.Report?.RootCause,
        Approvals = s.Approvals,
        Warnings = s.Plan?.Warnings ?? [],
        Errors = s.Errors,
        EndReason = s.EndReason,
        Requester = s.Requester,
        ConversationId = s.ConversationId,
        CreatedAt = s.CreatedAt,
        UpdatedAt = s.UpdatedAt,
        Llm = s.LlmCalls.Count == 0 ? null : new LlmUsage(
            s.LlmCalls.Count,
            s.LlmCalls.Sum(c => c.PromptTokens),
            s.LlmCalls.Sum(c => c.CompletionTokens),
            s.LlmCalls.Sum(c => c.LatencyMs),
            s.LlmCalls),
    };
}

/// <summary>Tokens and latency of the model calls a session made.</summary>
public sealed record LlmUsage(int Calls, int PromptTokens, int CompletionTokens, long LatencyMs, IReadOnlyList<Sre.Tools.Llm.LlmCall> Details);

public sealed record AgentStatus(string Kind, string Target, string State, int Findings, long? DurationMs, string? Error);
