using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Sre.Actors.Sessions;
using Sre.Actors.Streams;
using Sre.Host.Configuration;
using System.Text.Json.Nodes;
using Sre.Tools.Json;

namespace Sre.Host.Http;

/// <summary>GET /stream/{id}: the session's events as Server-Sent Events (ids = journal sequence
/// numbers, Last-Event-ID resumes, keep-alive comments, ends after the terminal phase), or the
/// same events over a WebSocket, one JSON object per message.</summary>
public static class StreamEndpoints
{
    public static IEndpointRouteBuilder MapStreamEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/stream/{id}", Stream);
        return app;
    }

    private static async Task<IResult> Stream(string id, HttpContext http, SessionGateway sessions, SessionEventSource events, ActorSystem system, SreSettings settings, ILoggerFactory logs)
    {
        if (!SessionGateway.IsValidId(id)) return Problems.UnknownSession(id);
        var lastEventId = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["lastEventId"].FirstOrDefault();
        long after = 0;
        if (!string.IsNullOrEmpty(lastEventId) && (!long.TryParse(lastEventId, out after) || after < 0))
            return Problems.BadRequest("Last-Event-ID must be the id of an event from this stream", $"Got '{lastEventId}'; ids are non-negative numbers.");

        // A stream of a session that does not exist would wait forever: ask first.
        var exists = await sessions.AskAsync(new SessionCommands.GetStatus(id), http.RequestAborted);
        if (exists.Problem is not null) return exists.Problem;

        var source = await events.OpenAsync(id, after, http.RequestAborted);
        var materializer = system.Materializer();
        if (http.WebSockets.IsWebSocketRequest)
        {
            await ServeWebSocket(http, source, materializer);
            return Results.Empty;
        }
        await ServeSse(http, source, materializer, settings.SseKeepAlive, logs.CreateLogger("Sre.Host.Http.Stream"));
        return Results.Empty;
    }

    private static readonly SessionStreamEvent KeepAlive = new(-1, "", JsonValue.Create(0)!);

    private static async Task ServeSse(HttpContext http, Source<SessionStreamEvent, Akka.NotUsed> source, IMaterializer materializer, TimeSpan keepAlive, ILogger log)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var token = http.RequestAborted;
        await response.WriteAsync("retry: 2000\n: connected\n\n", token);
        await response.Body.FlushAsync(token);

        try
        {
            var items = source.KeepAlive(keepAlive, () => KeepAlive).RunAsAsyncEnumerable(materializer);
            await foreach (var e in items.WithCancellation(token))
            {
                var text = ReferenceEquals(e, KeepAlive)
                    ? ": keep-alive\n\n"
                    : $"id: {e.Id}\nevent: {e.Name}\ndata: {Scrubbed.Text(e.Data.ToJsonString(SreJson.Options))}\n\n";
                await response.WriteAsync(text, token);
                await response.Body.FlushAsync(token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client went away; the stream's termination unsubscribes it.
        }
        catch (Exception e)
        {
            // Headers are sent: the only way to tell the client is an error event before closing.
            log.LogError(e, "The event stream failed");
            await response.WriteAsync("event: error\ndata: {\"title\":\"The event stream failed\",\"detail\":\"Reconnect with Last-Event-ID to resume.\"}\n\n", CancellationToken.None);
        }
    }

    private static async Task ServeWebSocket(HttpContext http, Source<SessionStreamEvent, Akka.NotUsed> source, IMaterializer materializer)
    {
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var token = http.RequestAborted;
        try
        {
            await foreach (var e in source.RunAsAsyncEnumerable(materializer).WithCancellation(token))
            {
                var json = Scrubbed.Text(JsonSerializer.Serialize(new { id = e.Id, @event = e.Name, data = e.Data }, SreJson.Options));
                await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, token);
            }
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "session ended", token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Client disconnected.
        }
    }
}
