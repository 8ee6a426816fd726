namespace Sre.Tools.Llm;

/// <summary>How to reach an OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI's v1 API, vLLM,
/// Ollama, LM Studio) and how far to trust it with time and tokens. The host resolves the API key
/// from an environment variable or an op:// reference and passes the value in; nothing here reads
/// secrets. With no endpoint the host keeps the rule-based planner and synthesizer.</summary>
public sealed record LlmOptions
{
    /// <summary>Base URL including the version segment, e.g. <c>https://api.openai.com/v1</c> or
    /// <c>http://127.0.0.1:11434/v1</c>; requests go to <c>{Endpoint}/chat/completions</c>.</summary>
    public string? Endpoint { get; init; }

    public string Model { get; init; } = "gpt-4.1";

    /// <summary>The key's value (never a reference). Local servers often need none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Bound on one attempt, connection to last byte.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public int MaxOutputTokens { get; init; } = 2000;

    public float Temperature { get; init; } = 0.1f;

    /// <summary>Follow-up investigation rounds after the first findings; 0 turns them off.</summary>
    public int MaxFollowUpRounds { get; init; } = 2;

    /// <summary>Tokens all follow-up calls of one session may spend (prompt + completion) before
    /// the investigator stops asking.</summary>
    public int MaxFollowUpTokens { get; init; } = 40_000;

    /// <summary>Estimated tokens the findings may take in one prompt; the most severe are kept.</summary>
    public int ToolOutputTokenBudget { get; init; } = 6000;

    /// <summary>Retries after a 429 or a 5xx, each waiting what the server asked (bounded below).</summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>First wait before retrying a 5xx (or a 429 without retry-after); doubles each time.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A 429 asking to wait longer than this is a failure (the rules answer now instead).</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Ask for the answer as a forced function call instead of JSON-schema structured
    /// output, for servers that support tools but not <c>response_format: json_schema</c>.</summary>
    public LlmAnswerStyle AnswerStyle { get; init; } = LlmAnswerStyle.StructuredOutput;

    /// <summary>Stream the answer (<c>stream: true</c>); some proxies cut long silent responses.</summary>
    public bool Streaming { get; init; }

    public bool IsConfigured =>
        Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrWhiteSpace(Model);
}

/// <summary>How the model is asked to deliver a structured answer. Either kind of answer is
/// accepted whichever was asked for.</summary>
public enum LlmAnswerStyle
{
    StructuredOutput,
    ToolCall,
}
