using System.Text.Json.Nodes;

namespace Sre.Testing.OpenAi;

/// <summary>One scripted answer of <see cref="FakeOpenAiServer"/>. A completion (content, tool call
/// or refusal) is sent as one <c>chat.completion</c> or, when the request streams, as
/// <c>chat.completion.chunk</c> server-sent events; the other kinds are HTTP failures.</summary>
public sealed record FakeReply
{
    public FakeReplyKind Kind { get; init; }
    public string? Content { get; init; }
    public string? ToolName { get; init; }
    public string? ToolArguments { get; init; }
    public string? RefusalText { get; init; }
    /// <summary>The body of a <see cref="FakeReplyKind.Malformed"/> reply, sent as 200 application/json.</summary>
    public string? RawBody { get; init; }
    public int Status { get; init; } = 200;
    /// <summary>Sent as the <c>retry-after</c> header (seconds) with an error status.</summary>
    public int? RetryAfterSeconds { get; init; }
    /// <summary>How long the server waits before answering (for timeouts).</summary>
    public TimeSpan Delay { get; init; }
    /// <summary>Overrides the natural finish reason ("stop", "tool_calls").</summary>
    public string? FinishReason { get; init; }
    public int PromptTokens { get; init; } = 321;
    public int CompletionTokens { get; init; } = 45;

    /// <summary>An assistant message whose content is this JSON (structured output).</summary>
    public static FakeReply Json(JsonNode json) => Text(json.ToJsonString());

    public static FakeReply Text(string content) => new() { Kind = FakeReplyKind.Completion, Content = content };

    /// <summary>An assistant message with one function call (finish reason <c>tool_calls</c>).</summary>
    public static FakeReply ToolCall(string name, JsonNode arguments) =>
        new() { Kind = FakeReplyKind.Completion, ToolName = name, ToolArguments = arguments.ToJsonString() };

    public static FakeReply Refusal(string text) => new() { Kind = FakeReplyKind.Completion, RefusalText = text };

    public static FakeReply RateLimited(int retryAfterSeconds) =>
        new() { Kind = FakeReplyKind.Error, Status = 429, RetryAfterSeconds = retryAfterSeconds };

    public static FakeReply ServerError(int status = 500) => new() { Kind = FakeReplyKind.Error, Status = status };

    public static FakeReply Malformed(string body = """{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"index": 0, "message": """) =>
        new() { Kind = FakeReplyKind.Malformed, RawBody = body };

    public FakeReply After(TimeSpan delay) => this with { Delay = delay };

    public FakeReply WithUsage(int promptTokens, int completionTokens) =>
        this with { PromptTokens = promptTokens, CompletionTokens = completionTokens };
}

public enum FakeReplyKind
{
    Completion,
    Error,
    Malformed,
}
