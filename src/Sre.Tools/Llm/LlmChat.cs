using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;

namespace Sre.Tools.Llm;

/// <summary>Asks an OpenAI-compatible endpoint for one JSON object that follows a schema, through
/// structured output or a forced function call, streamed or not. Never throws for the model's or
/// the endpoint's failures: the answer says what went wrong so callers can fall back to the rules.
/// Every text sent passes <see cref="LlmRedaction"/> here, the one way out to the model.</summary>
public sealed class LlmChat
{
    private readonly ChatClient _client;
    private readonly LlmRedaction _redaction;

    public LlmChat(LlmOptions options, LlmRedaction? redaction = null)
    {
        if (!options.IsConfigured)
            throw new ArgumentException("The LLM endpoint is not configured (an absolute http(s) endpoint and a model are needed).", nameof(options));
        Options = options;
        _redaction = redaction ?? LlmRedaction.Default;
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(options.Endpoint!),
            // Our own loop retries: it honours retry-after within a bound and counts attempts.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = options.Timeout + TimeSpan.FromSeconds(5),
        };
        // Local servers (Ollama, vLLM, LM Studio) accept any key; the client insists on one.
        var key = string.IsNullOrEmpty(options.ApiKey) ? "no-key" : options.ApiKey;
        _client = new ChatClient(options.Model, new ApiKeyCredential(key), clientOptions);
    }

    public LlmOptions Options { get; }

    public LlmRedaction Redaction => _redaction;

    public async Task<LlmAnswer> AskAsync(LlmQuestion question, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var messages = new List<ChatMessage>
        {
            new SystemChatMessage(_redaction.Redact(question.Instructions)),
            new UserChatMessage(_redaction.Redact(question.Material)),
        };
        var prompt = 0;
        var completion = 0;
        var attempt = 0;

        LlmAnswer Finish(JsonObject? json, string outcome, string? error)
        {
            var call = new LlmCall
            {
                Purpose = question.Purpose,
                Model = Options.Model,
                Outcome = outcome,
                PromptTokens = prompt,
                CompletionTokens = completion,
                LatencyMs = clock.ElapsedMilliseconds,
                Attempts = attempt,
                At = started,
                Error = error is null ? null : Trim(_redaction.Redact(error), 300),
            };
            LlmMetrics.Record(call);
            return new LlmAnswer(json, call);
        }

        while (true)
        {
            attempt++;
            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptCts.CancelAfter(Options.Timeout);
            TimeSpan wait;
            try
            {
                var raw = Options.Streaming
                    ? await StreamAsync(messages, ChatOptionsFor(question), attemptCts.Token)
                    : await CompleteAsync(messages, ChatOptionsFor(question), attemptCts.Token);
                prompt += raw.PromptTokens;
                completion += raw.CompletionTokens;
                return Interpret(raw, question, Finish);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Finish(null, LlmOutcome.Timeout, $"No answer within {Options.Timeout.TotalSeconds:0.#} s.");
            }
            catch (ClientResultException e) when (e.Status == 429)
            {
                var asked = RetryAfter(e);
                if (attempt > Options.MaxRetries || asked > Options.MaxRetryAfter)
                    return Finish(null, LlmOutcome.RateLimited,
                        asked is { } a ? $"Rate limited; the endpoint asked to wait {a.TotalSeconds:0.#} s." : "Rate limited.");
                wait = asked ?? Backoff(attempt);
            }
            catch (ClientResultException e) when (e.Status >= 500)
            {
                if (attempt > Options.MaxRetries)
                    return Finish(null, LlmOutcome.Http(e.Status), $"The endpoint answered {e.Status}.");
                wait = Min(RetryAfter(e) ?? Backoff(attempt), Options.MaxRetryAfter);
            }
            catch (ClientResultException e) when (e.Status > 0)
            {
                return Finish(null, LlmOutcome.Http(e.Status), $"The endpoint answered {e.Status}: {e.Message}");
            }
            catch (ClientResultException e)
            {
                return Finish(null, LlmOutcome.Unreachable, e.InnerException?.Message ?? e.Message);
            }
            catch (HttpRequestException e)
            {
                return Finish(null, LlmOutcome.Unreachable, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The client could not read the response body: not the chat completion shape.
                return Finish(null, LlmOutcome.Malformed, $"Unreadable response: {e.Message}");
            }
            await Task.Delay(wait, cancellationToken);
        }
    }

    private ChatCompletionOptions ChatOptionsFor(LlmQuestion question)
    {
        var schema = BinaryData.FromString(question.Schema.ToJsonString());
        var options = new ChatCompletionOptions
        {
            MaxOutputTokenCount = Options.MaxOutputTokens,
            Temperature = Options.Temperature,
        };
        if (Options.AnswerStyle == LlmAnswerStyle.ToolCall)
        {
            options.Tools.Add(ChatTool.CreateFunctionTool(question.AnswerName, question.AnswerDescription, schema, functionSchemaIsStrict: true));
            options.ToolChoice = ChatToolChoice.CreateFunctionChoice(question.AnswerName);
        }
        else
        {
            options.ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(question.AnswerName, schema, question.AnswerDescription, jsonSchemaIsStrict: true);
        }
        return options;
    }

    private async Task<RawAnswer> CompleteAsync(List<ChatMessage> messages, ChatCompletionOptions options, CancellationToken cancellationToken)
    {
        ChatCompletion completion = await _client.CompleteChatAsync(messages, options, cancellationToken);
        var content = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
        var calls = completion.ToolCalls.Select(c => (c.FunctionName, c.FunctionArguments.ToString())).ToList();
        return new RawAnswer(content, calls, completion.Refusal, completion.FinishReason,
            completion.Usage?.InputTokenCount ?? 0, completion.Usage?.OutputTokenCount ?? 0);
    }

    private async Task<RawAnswer> StreamAsync(List<ChatMessage> messages, ChatCompletionOptions options, CancellationToken cancellationToken)
    {
        var content = new StringBuilder();
        var refusal = new StringBuilder();
        var calls = new SortedDictionary<int, (string? Name, StringBuilder Arguments)>();
        ChatFinishReason? finish = null;
        int prompt = 0, completion = 0;
        await foreach (var update in _client.CompleteChatStreamingAsync(messages, options, cancellationToken))
        {
            foreach (var part in update.ContentUpdate)
                if (part.Kind == ChatMessageContentPartKind.Text) content.Append(part.Text);
            if (update.RefusalUpdate is { } r) refusal.Append(r);
            foreach (var tool in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(tool.Index, out var call)) calls[tool.Index] = call = (null, new StringBuilder());
                if (tool.FunctionName is { } name) calls[tool.Index] = call = (name, call.Arguments);
                if (tool.FunctionArgumentsUpdate is { } args && !args.ToMemory().IsEmpty) call.Arguments.Append(args.ToString());
            }
            if (update.FinishReason is { } f) finish = f;
            if (update.Usage is { } usage)
            {
                prompt = usage.InputTokenCount;
                completion = usage.OutputTokenCount;
            }
        }
        return new RawAnswer(content.ToString(),
            calls.Values.Select(c => (c.Name ?? "", c.Arguments.ToString())).ToList(),
            refusal.Length > 0 ? refusal.ToString() : null, finish, prompt, completion);
    }

    private static LlmAnswer Interpret(RawAnswer raw, LlmQuestion question, Func<JsonObject?, string, string?, LlmAnswer> finish)
    {
        if (!string.IsNullOrWhiteSpace(raw.Refusal))
            return finish(null, LlmOutcome.Refused, $"The model refused: {raw.Refusal}");
        if (raw.Finish == ChatFinishReason.ContentFilter)
            return finish(null, LlmOutcome.Refused, "The answer was withheld by the endpoint's content filter.");

        // Whichever style was asked for, accept the answer in the other style too.
        string? text;
        if (raw.ToolCalls.Count > 0)
        {
            var call = raw.ToolCalls.FirstOrDefault(c => string.Equals(c.Name, question.AnswerName, StringComparison.Ordinal));
            if (call.Name is null)
                return finish(null, LlmOutcome.Malformed, $"The model called '{raw.ToolCalls[0].Name}' instead of '{question.AnswerName}'.");
            text = call.Arguments;
        }
        else text = raw.Content;

        if (ParseObject(text) is { } json) return finish(json, LlmOutcome.Ok, null);
        return raw.Finish == ChatFinishReason.Length
            ? finish(null, LlmOutcome.Truncated, "The answer was cut at the output token limit.")
            : finish(null, LlmOutcome.Malformed, $"The answer is not a JSON object: {Trim(text ?? "", 120)}");
    }

    /// <summary>The JSON object in a model's text, tolerating a Markdown fence or prose around it
    /// (common with local models that ignore response_format).</summary>
    public static JsonObject? ParseObject(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var trimmed = text.Trim();
        if (TryParse(trimmed) is { } whole) return whole;
        var start = trimmed.IndexOf('{');
        var end = trimmed.LastIndexOf('}');
        return start >= 0 && end > start ? TryParse(trimmed[start..(end + 1)]) : null;
    }

    private static JsonObject? TryParse(string text)
    {
        try { return JsonNode.Parse(text) as JsonObject; }
        catch (JsonException) { return null; }
    }

    private static TimeSpan? RetryAfter(ClientResultException e)
    {
        var headers = e.GetRawResponse()?.Headers;
        if (headers is null) return null;
        if (headers.TryGetValue("retry-after-ms", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var m))
            return TimeSpan.FromMilliseconds(Math.Max(0, m));
        if (!headers.TryGetValue("Retry-After", out var value) || value is null) return null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(Math.Max(0, seconds));
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? Max(at - DateTimeOffset.UtcNow, TimeSpan.Zero)
            : null;
    }

    private TimeSpan Backoff(int attempt) => Options.RetryDelay * Math.Pow(2, attempt - 1);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Trim(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private sealed record RawAnswer(
        string? Content,
        IReadOnlyList<(string Name, string Arguments)> ToolCalls,
        string? Refusal,
        ChatFinishReason? Finish,
        int PromptTokens,
        int CompletionTokens);
}
