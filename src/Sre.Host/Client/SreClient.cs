using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Sre.Tools.Json;

namespace Sre.Host.Client;

/// <summary>The typed client of the REST/SSE contract (docs/API.md) that the CLI, the MCP adapter
/// and the Cursor hooks share. Every exchange is bounded by <see cref="SreClientOptions.RequestTimeout"/>;
/// every failure becomes a <see cref="SreClientException"/> that says what to do about it.</summary>
public sealed class SreClient : IDisposable
{
    private const int MaxStreamReconnects = 5;
    private readonly HttpClient _http;

    public SreClientOptions Options { get; }

    /// <summary>Longest silence tolerated on the event stream; the server sends keep-alives at least every 15 s.</summary>
    public TimeSpan StreamIdleTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <param name="handler">A shared handler (kept alive by its owner), or null for one of our own.</param>
    public SreClient(SreClientOptions options, HttpMessageHandler? handler = null)
    {
        Options = options;
        _http = new HttpClient(handler ?? CreateHandler(options.RequestTimeout), disposeHandler: handler is null)
        {
            BaseAddress = options.Server,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent(options.ClientName));
        if (!string.IsNullOrEmpty(options.Token))
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
    }

    public static SocketsHttpHandler CreateHandler(TimeSpan connectTimeout) => new()
    {
        ConnectTimeout = connectTimeout < TimeSpan.FromSeconds(10) ? connectTimeout : TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    public Task<DiagnoseAccepted> DiagnoseAsync(string problem, string? environment, IReadOnlyDictionary<string, string>? context, string? conversationId, CancellationToken cancellationToken) =>
        SendJsonAsync<DiagnoseAccepted>(HttpMethod.Post, "diagnose", new { problem, environment, context, conversationId }, cancellationToken);

    public Task<SessionView> StatusAsync(string sessionId, CancellationToken cancellationToken) =>
        SendJsonAsync<SessionView>(HttpMethod.Get, $"status/{Escape(sessionId)}", null, cancellationToken);

    /// <summary>The status exactly as the server wrote it, for --json output.</summary>
    public Task<JsonElement> StatusJsonAsync(string sessionId, CancellationToken cancellationToken) =>
        SendJsonAsync<JsonElement>(HttpMethod.Get, $"status/{Escape(sessionId)}", null, cancellationToken);

    public Task<SessionView> ApproveAsync(string sessionId, IReadOnlyList<string>? references, CancellationToken cancellationToken) =>
        SendJsonAsync<SessionView>(HttpMethod.Post, $"approve/{Escape(sessionId)}",
            new { approved = true, references = references is { Count: > 0 } ? references : null, client = Options.ClientName }, cancellationToken);

    public Task<SessionView> DenyAsync(string sessionId, string? reason, CancellationToken cancellationToken) =>
        SendJsonAsync<SessionView>(HttpMethod.Post, $"approve/{Escape(sessionId)}", new { approved = false, reason, client = Options.ClientName }, cancellationToken);

    public Task<SessionView> CancelAsync(string sessionId, string? reason, CancellationToken cancellationToken) =>
        SendJsonAsync<SessionView>(HttpMethod.Post, $"cancel/{Escape(sessionId)}", new { reason }, cancellationToken);

    public Task<string> ReportMarkdownAsync(string sessionId, CancellationToken cancellationToken) =>
        ExchangeAsync(Request(HttpMethod.Get, $"report/{Escape(sessionId)}", null, "text/markdown"),
            (r, ct) => r.Content.ReadAsStringAsync(ct), cancellationToken);

    public Task<JsonElement> ReportJsonAsync(string sessionId, CancellationToken cancellationToken) =>
        SendJsonAsync<JsonElement>(HttpMethod.Get, $"report/{Escape(sessionId)}", null, cancellationToken);

    public async Task<IReadOnlyList<SessionListItem>> SessionsAsync(string? phase, int? limit, string? conversationId, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (phase is not null) query.Add($"phase={Uri.EscapeDataString(phase)}");
        if (limit is not null) query.Add($"limit={limit}");
        if (conversationId is not null) query.Add($"conversation={Uri.EscapeDataString(conversationId)}");
        var list = await SendJsonAsync<SessionList>(HttpMethod.Get, "sessions" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), null, cancellationToken);
        return list.Sessions ?? [];
    }

    public async Task<IReadOnlyList<EnvironmentView>> EnvironmentsAsync(CancellationToken cancellationToken)
    {
        var list = await SendJsonAsync<EnvironmentList>(HttpMethod.Get, "environments", null, cancellationToken);
        return list.Environments ?? [];
    }

    /// <summary>GET /cluster (admin): members, leader, unreachable nodes and session shards.</summary>
    public Task<JsonElement> ClusterAsync(CancellationToken cancellationToken) =>
        SendJsonAsync<JsonElement>(HttpMethod.Get, "cluster", null, cancellationToken);

    /// <summary>POST /cluster/leave (admin): the member at <paramref name="address"/> leaves gracefully.</summary>
    public Task<JsonElement> LeaveAsync(string address, CancellationToken cancellationToken) =>
        SendJsonAsync<JsonElement>(HttpMethod.Post, "cluster/leave", new { address }, cancellationToken);

    /// <summary>GET /health/ready; 503 is an answer here (with the failing checks), not an error.</summary>
    public Task<Readiness> ReadinessAsync(CancellationToken cancellationToken) =>
        ExchangeAsync(Request(HttpMethod.Get, "health/ready", null, "application/json"), async (r, ct) =>
        {
            var body = await ReadBodyAsync<ReadinessBody>(r, ct);
            return new Readiness(r.IsSuccessStatusCode && body.Status == "ready", body.Checks ?? new Dictionary<string, string>(), body.Failing ?? [], body.Warnings ?? []);
        }, cancellationToken, accept: s => s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable);

    /// <summary>POST /audit: a client-side record (a Cursor hook saw an MCP tool call).</summary>
    public Task RecordToolCallAsync(string detail, string? sessionId, string? conversationId, CancellationToken cancellationToken) =>
        SendJsonAsync<JsonElement>(HttpMethod.Post, "audit", new { kind = "tool_call", sessionId, detail, client = Options.ClientName, conversationId }, cancellationToken);

    /// <summary>Follows GET /stream/{id} from <paramref name="after"/> (null: from the start) until the
    /// terminal phase, reconnecting with Last-Event-ID when the connection drops or falls silent.</summary>
    public async IAsyncEnumerable<StreamEvent> StreamAsync(string sessionId, long? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = after;
        var failures = 0;
        var sawReport = false;
        Exception? lastError = null;
        while (true)
        {
            HttpResponseMessage? response = null;
            try
            {
                response = await OpenStreamAsync(sessionId, last, cancellationToken);
            }
            catch (SreClientException e) when (e.Kind is SreErrorKind.Unreachable or SreErrorKind.Timeout or SreErrorKind.Server && failures < MaxStreamReconnects)
            {
                lastError = e;
            }

            if (response is not null)
            {
                using (response)
                {
                    var reader = new SseReader(await response.Content.ReadAsStreamAsync(cancellationToken), StreamIdleTimeout);
                    while (true)
                    {
                        StreamEvent? e;
                        try
                        {
                            e = await reader.ReadAsync(cancellationToken);
                        }
                        catch (Exception ex) when (ex is IOException or HttpRequestException or TimeoutException && !cancellationToken.IsCancellationRequested)
                        {
                            lastError = ex;
                            break;
                        }
                        if (e is null) break;
                        if (e.Id is { } id) last = id;
                        failures = 0;
                        sawReport |= e.Name == "report";
                        yield return e;
                        if (e.IsFinal) yield break;
                    }
                }
                // The contract ends the stream after the report or a terminal phase.
                if (sawReport) yield break;
            }

            if (++failures > MaxStreamReconnects)
                throw new SreClientException(SreErrorKind.Server, $"Lost the event stream of session {sessionId}",
                    $"{lastError?.Message ?? "The server kept closing it."} The session continues on the server: follow it with `sre status {sessionId}`.", inner: lastError);
            await Task.Delay(TimeSpan.FromMilliseconds(250 * Math.Pow(2, failures - 1)), cancellationToken);
        }
    }

    private async Task<HttpResponseMessage> OpenStreamAsync(string sessionId, long? after, CancellationToken cancellationToken)
    {
        var request = Request(HttpMethod.Get, $"stream/{Escape(sessionId)}", null, "text/event-stream");
        if (after is not null) request.Headers.Add("Last-Event-ID", after.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (Exception e) when (Translate(e, cancellationToken) is { } error)
        {
            throw error;
        }
        if (response.IsSuccessStatusCode) return response;
        using (response) throw await ProblemAsync(response, cancellationToken);
    }

    private Task<T> SendJsonAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken) =>
        ExchangeAsync(Request(method, path, body, "application/json"), ReadBodyAsync<T>, cancellationToken);

    private HttpRequestMessage Request(HttpMethod method, string path, object? body, string accept)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Accept.ParseAdd(accept);
        if (body is not null) request.Content = JsonContent.Create(body, options: SreJson.Options);
        return request;
    }

    /// <summary>Sends, checks the status and reads the body, all within the request timeout.</summary>
    private async Task<T> ExchangeAsync<T>(HttpRequestMessage request, Func<HttpResponseMessage, CancellationToken, Task<T>> read, CancellationToken cancellationToken,
        Func<HttpStatusCode, bool>? accept = null)
    {
        using (request)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(Options.RequestTimeout);
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
                if (!(accept?.Invoke(response.StatusCode) ?? response.IsSuccessStatusCode))
                    throw await ProblemAsync(response, timeout.Token);
                return await read(response, timeout.Token);
            }
            catch (Exception e) when (Translate(e, cancellationToken) is { } error)
            {
                throw error;
            }
        }
    }

    private static async Task<T> ReadBodyAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            return JsonSerializer.Deserialize<T>(text, SreJson.Options)
                ?? throw new JsonException("empty body");
        }
        catch (JsonException e)
        {
            throw new SreClientException(SreErrorKind.Server, $"The server's answer to {response.RequestMessage?.RequestUri?.AbsolutePath} is not what the API promises",
                $"{e.Message} Is --server pointing at an sre server? Body starts: {Clip(text, 120)}", (int)response.StatusCode, e);
        }
    }

    /// <summary>Maps transport failures to errors that name the server and the fix; null leaves the
    /// exception alone (the caller's own cancellation, or an already translated error).</summary>
    private SreClientException? Translate(Exception e, CancellationToken callerToken)
    {
        var server = Options.Server.ToString().TrimEnd('/');
        return e switch
        {
            SreClientException => null,
            OperationCanceledException when callerToken.IsCancellationRequested => null,
            OperationCanceledException or TimeoutException => new SreClientException(SreErrorKind.Timeout,
                $"The sre server at {server} did not answer within {Options.RequestTimeout.TotalSeconds:0.#} s",
                "It may be overloaded or stuck; check its logs or /health/ready.", inner: e),
            HttpRequestException h => new SreClientException(SreErrorKind.Unreachable,
                $"Cannot reach the sre server at {server} ({Reason(h)})",
                "Start it with `sre serve`, or point --server / SRE_URL at a running server.", inner: e),
            IOException => new SreClientException(SreErrorKind.Unreachable,
                $"The connection to the sre server at {server} broke ({e.Message})", "Retry; if it persists, check the server's logs.", inner: e),
            _ => null,
        };
    }

    private static string Reason(HttpRequestException e)
    {
        var socket = e.InnerException as SocketException ?? e.InnerException?.InnerException as SocketException;
        return socket?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound or SocketError.NoData => "unknown host",
            SocketError.TimedOut => "connection timed out",
            _ => e.HttpRequestError switch
            {
                HttpRequestError.SecureConnectionError => "TLS handshake failed",
                HttpRequestError.NameResolutionError => "unknown host",
                _ => (e.InnerException ?? e).Message.TrimEnd('.'),
            },
        };
    }

    private async Task<SreClientException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string text;
        try { text = await response.Content.ReadAsStringAsync(cancellationToken); }
        catch (Exception e) when (e is IOException or HttpRequestException) { text = ""; }
        string? title = null, detail = null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (doc.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String) title = t.GetString();
                if (doc.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String) detail = d.GetString();
            }
        }
        catch (JsonException)
        {
            detail = string.IsNullOrWhiteSpace(text) ? null : Clip(text, 200);
        }
        title ??= $"{status} {response.ReasonPhrase}";
        var server = Options.Server.ToString().TrimEnd('/');
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => new SreClientException(SreErrorKind.Unauthorized,
                string.IsNullOrEmpty(Options.Token) ? $"The sre server at {server} needs a token ({title})" : $"The sre server at {server} did not accept the token ({title})",
                string.IsNullOrEmpty(Options.Token) ? "Set SRE_TOKEN or pass --token." : "Check SRE_TOKEN / --token; ask an admin for a token configured on this server.", status),
            HttpStatusCode.Forbidden => new SreClientException(SreErrorKind.Forbidden, title, detail, status),
            HttpStatusCode.NotFound => new SreClientException(SreErrorKind.NotFound, title, detail, status),
            HttpStatusCode.Conflict => new SreClientException(SreErrorKind.Conflict, title, detail, status),
            _ when status >= 500 => new SreClientException(SreErrorKind.Server, $"The sre server failed: {title}", detail, status),
            _ => new SreClientException(SreErrorKind.Rejected, title, detail, status),
        };
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static string UserAgent(string clientName)
    {
        var product = new string(clientName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '-').ToArray());
        return $"{(product.Length == 0 ? "sre" : product)}/1.0";
    }

    public void Dispose() => _http.Dispose();

    private sealed record SessionList(IReadOnlyList<SessionListItem>? Sessions);

    private sealed record EnvironmentList(IReadOnlyList<EnvironmentView>? Environments);

    private sealed record ReadinessBody(string? Status, Dictionary<string, string>? Checks, IReadOnlyList<string>? Failing, IReadOnlyList<string>? Warnings);
}
