using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sre.Testing.OpenAi;

/// <summary>An OpenAI-compatible <c>/v1/chat/completions</c> server on 127.0.0.1 for tests: answers
/// in the real wire shapes (<c>chat.completion</c> with message, tool_calls, refusal and usage;
/// <c>chat.completion.chunk</c> server-sent events ending in <c>[DONE]</c> when the request
/// streams, with a usage chunk when <c>stream_options.include_usage</c> is set), plays scripted
/// replies in order, and records every request body.</summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeReply> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private int _sequence;

    private FakeOpenAiServer(WebApplication app) => _app = app;

    /// <summary>The base URL clients configure, ending in <c>/v1</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Answer when the script is empty; by default a 500 saying so.</summary>
    public FakeReply Otherwise { get; set; } = FakeReply.ServerError() with { Content = "no scripted reply left" };

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    public static async Task<FakeOpenAiServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Port 0: the OS picks a free port and Kestrel holds it, so no race with other tests.
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeOpenAiServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>Queues replies, answered one per request in order.</summary>
    public FakeOpenAiServer Enqueue(params FakeReply[] replies)
    {
        foreach (var reply in replies) _script.Enqueue(reply);
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        _requests.Enqueue(new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            body,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));

        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Path != "/v1/chat/completions")
        {
            await WriteError(context, 404, "invalid_request_error", $"Unknown path {context.Request.Path}");
            return;
        }
        var reply = _script.TryDequeue(out var next) ? next : Otherwise;
        if (reply.Delay > TimeSpan.Zero)
        {
            try { await Task.Delay(reply.Delay, context.RequestAborted); }
            catch (OperationCanceledException) { return; }
        }

        var request = JsonNode.Parse(body) as JsonObject;
        switch (reply.Kind)
        {
            case FakeReplyKind.Error:
                if (reply.RetryAfterSeconds is { } seconds) context.Response.Headers["retry-after"] = seconds.ToString();
                await WriteError(context, reply.Status,
                    reply.Status == 429 ? "rate_limit_exceeded" : "server_error",
                    reply.Content ?? (reply.Status == 429 ? "Rate limit reached for requests" : "The server had an error while processing your request."));
                return;
            case FakeReplyKind.Malformed:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(reply.RawBody ?? "", context.RequestAborted);
                return;
        }

        var id = $"chatcmpl-fake{Interlocked.Increment(ref _sequence)}";
        var model = request?["model"]?.GetValue<string>() ?? "fake-model";
        if (request?["stream"]?.GetValue<bool>() == true)
            await WriteStream(context, reply, id, model, request["stream_options"]?["include_usage"]?.GetValue<bool>() == true);
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Completion(reply, id, model).ToJsonString(), context.RequestAborted);
        }
    }

    private static JsonObject Completion(FakeReply reply, string id, string model)
    {
        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = reply.Content,
            ["refusal"] = reply.RefusalText,
            ["annotations"] = new JsonArray(),
        };
        if (reply.ToolName is not null)
            message["tool_calls"] = new JsonArray(new JsonObject
            {
                ["id"] = "call_" + id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = reply.ToolName, ["arguments"] = reply.ToolArguments ?? "{}" },
            });
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = 1_763_900_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["logprobs"] = null,
                ["finish_reason"] = FinishReason(reply),
            }),
            ["usage"] = Usage(reply),
            ["service_tier"] = "default",
            ["system_fingerprint"] = "fp_fake",
        };
    }

    private static async Task WriteStream(HttpContext context, FakeReply reply, string id, string model, bool includeUsage)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";

        async Task Send(JsonObject? delta, string? finish, bool usageChunk = false)
        {
            var chunk = new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = 1_763_900_000,
                ["model"] = model,
                ["system_fingerprint"] = "fp_fake",
                ["choices"] = usageChunk
                    ? new JsonArray()
                    : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finish }),
            };
            if (includeUsage) chunk["usage"] = usageChunk ? Usage(reply) : null;
            await context.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        if (reply.ToolName is not null)
        {
            await Send(new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = null,
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["id"] = "call_" + id,
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = reply.ToolName, ["arguments"] = "" },
                }),
            }, null);
            foreach (var piece in Pieces(reply.ToolArguments ?? "{}"))
                await Send(new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = piece } }),
                }, null);
        }
        else if (reply.RefusalText is not null)
        {
            await Send(new JsonObject { ["role"] = "assistant", ["content"] = null, ["refusal"] = "" }, null);
            foreach (var piece in Pieces(reply.RefusalText)) await Send(new JsonObject { ["refusal"] = piece }, null);
        }
        else
        {
            await Send(new JsonObject { ["role"] = "assistant", ["content"] = "", ["refusal"] = null }, null);
            foreach (var piece in Pieces(reply.Content ?? "")) await Send(new JsonObject { ["content"] = piece }, null);
        }
        await Send(new JsonObject(), FinishReason(reply));
        if (includeUsage) await Send(null, null, usageChunk: true);
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
    }

    /// <summary>Splits text the way a model streams it: small pieces, cutting through JSON tokens.</summary>
    private static IEnumerable<string> Pieces(string text)
    {
        const int size = 17;
        for (var i = 0; i < text.Length; i += size) yield return text.Substring(i, Math.Min(size, text.Length - i));
    }

    private static string FinishReason(FakeReply reply) => reply.FinishReason ?? (reply.ToolName is not null ? "tool_calls" : "stop");

    private static JsonObject Usage(FakeReply reply) => new()
    {
        ["prompt_tokens"] = reply.PromptTokens,
        ["completion_tokens"] = reply.CompletionTokens,
        ["total_tokens"] = reply.PromptTokens + reply.CompletionTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0, ["audio_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject
        {
            ["reasoning_tokens"] = 0, ["audio_tokens"] = 0, ["accepted_prediction_tokens"] = 0, ["rejected_prediction_tokens"] = 0,
        },
    };

    private static async Task WriteError(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var error = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = message,
                ["type"] = status == 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error",
                ["param"] = null,
                ["code"] = code,
            },
        };
        await context.Response.WriteAsync(error.ToJsonString(), context.RequestAborted);
    }
}
