namespace Sre.Tools.Llm;

/// <summary>One logical model call (retries included) as the session records it in status, report
/// and metrics: what for, how long, how many tokens, and whether its answer was used.</summary>
public sealed record LlmCall
{
    /// <summary>"plan", "follow-up" or "synthesis".</summary>
    public required string Purpose { get; init; }
    public required string Model { get; init; }
    /// <summary>"ok", or why the answer was not used: "timeout", "rate_limited", "http_500",
    /// "unreachable", "malformed", "refused", "truncated", "invalid".</summary>
    public required string Outcome { get; init; }
    public int PromptTokens { get; init; }
    public int CompletionTokens { get; init; }
    public int TotalTokens => PromptTokens + CompletionTokens;
    public long LatencyMs { get; init; }
    public int Attempts { get; init; } = 1;
    public DateTimeOffset At { get; init; }
    /// <summary>A redacted, short description of what went wrong.</summary>
    public string? Error { get; init; }

    public bool Succeeded => Outcome == LlmOutcome.Ok;
}

/// <summary>The values of <see cref="LlmCall.Outcome"/>.</summary>
public static class LlmOutcome
{
    public const string Ok = "ok";
    public const string Timeout = "timeout";
    public const string RateLimited = "rate_limited";
    public const string Unreachable = "unreachable";
    public const string Malformed = "malformed";
    public const string Refused = "refused";
    public const string Truncated = "truncated";
    /// <summary>The answer parsed but did not survive validation.</summary>
    public const string Invalid = "invalid";

    public static string Http(int status) => $"http_{status}";
}
