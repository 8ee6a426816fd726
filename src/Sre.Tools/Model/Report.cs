namespace Sre.Tools.Model;

/// <summary>The answer to the engineer: the root cause with its evidence, what else contributed,
/// what to do, and everything that was observed.</summary>
public sealed record Report
{
    public required string SessionId { get; init; }
    public required string Problem { get; init; }
    public required string Environment { get; init; }
    public required string Phase { get; init; }
    public required RootCause RootCause { get; init; }
    public IReadOnlyList<ContributingFactor> ContributingFactors { get; init; } = [];
    public IReadOnlyList<Recommendation> Recommendations { get; init; } = [];
    public IReadOnlyList<Finding> Findings { get; init; } = [];
    public IReadOnlyList<AgentSummary> Agents { get; init; } = [];
    public IReadOnlyList<ApprovalRecord> Approvals { get; init; } = [];
    /// <summary>What was examined, so "no root cause found" still says what was ruled out.</summary>
    public IReadOnlyList<string> Checked { get; init; } = [];
    public string Synthesizer { get; init; } = "rules";
    /// <summary>When the model wrote the answer: the rule-based root cause, kept as a cross-check.</summary>
    public RootCause? CrossCheck { get; init; }
    /// <summary>Every model call of the session, with tokens and latency (empty without an LLM).</summary>
    public IReadOnlyList<Sre.Tools.Llm.LlmCall> LlmCalls { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset CompletedAt { get; init; }
}

public sealed record RootCause(string Category, string Summary, double Confidence, IReadOnlyList<string> Evidence)
{
    public string? Culprit { get; init; }
}

public sealed record ContributingFactor(string Summary, IReadOnlyList<string> Evidence)
{
    public string? Category { get; init; }
}

public sealed record Recommendation(string Action, string Risk, IReadOnlyList<string> Evidence);

public sealed record ApprovalRecord(string Principal, IReadOnlyList<string> References, DateTimeOffset At);

/// <summary>How one agent run went.</summary>
public sealed record AgentSummary(string Kind, string Target, string State, int Findings, long? DurationMs);
