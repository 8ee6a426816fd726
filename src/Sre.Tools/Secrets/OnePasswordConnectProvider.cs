using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Sre.Tools.Secrets;

/// <summary>Secrets from a 1Password Connect server over its REST API (<c>onepassword-connect</c>).
/// References are resolved client-side: vault by id or name, item by id or title, then the full
/// item, then section and field by id or label. Names are matched with the server's <c>filter</c>
/// first and, when that finds nothing, case-insensitively over the list, because 1Password
/// references are case-insensitive. Every request carries the bearer token, is bounded by
/// <see cref="OnePasswordConnectOptions.Timeout"/> and is retried on 5xx and connection errors.
/// Errors name the reference and what to do; they never contain the token or a value.</summary>
public sealed class OnePasswordConnectProvider : ISecretProvider, IDisposable
{
    private readonly OnePasswordConnectOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _base;
    private readonly string _shownUrl;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly ResiliencePipeline<HttpResponseMessage> _singleAttempt;

    /// <summary>Creates a provider with its own HttpClient over <paramref name="handler"/> (a new
    /// <see cref="SocketsHttpHandler"/> when null).</summary>
    public OnePasswordConnectProvider(OnePasswordConnectOptions options, HttpMessageHandler? handler = null, bool disposeHandler = true)
        : this(options, new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }, handler is null || disposeHandler)
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan, // the pipeline's per-request timeout rules
        }, ownsHttp: true)
    {
    }

    /// <summary>Creates a provider over a caller-owned HttpClient (not disposed here). Its
    /// BaseAddress and default headers are not used.</summary>
    public OnePasswordConnectProvider(OnePasswordConnectOptions options, HttpClient httpClient)
        : this(options, httpClient, ownsHttp: false)
    {
    }

    private OnePasswordConnectProvider(OnePasswordConnectOptions options, HttpClient httpClient, bool ownsHttp)
    {
        options.Validate();
        _options = options;
        _http = httpClient;
        _ownsHttp = ownsHttp;
        var url = options.Url.AbsoluteUri;
        _base = new Uri(url.EndsWith('/') ? url : url + "/");
        _shownUrl = new UriBuilder(options.Url) { UserName = "", Password = "" }.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _pipeline = BuildPipeline(options.RetryCount);
        _singleAttempt = BuildPipeline(0);
    }

    public string Name => "onepassword-connect";
    public bool IsDevelopmentOnly => false;

    public async Task<SecretBundle> FetchAsync(SecretReference reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var vault = await ResolveVaultAsync(reference, cancellationToken);
        var item = await ResolveItemAsync(reference, vault, cancellationToken);
        return OnePasswordFieldSelector.Select(item, reference, Name);
    }

    /// <summary>Ready when <c>GET /heartbeat</c> answers, <c>GET /health</c> reports no dependency
    /// (sync, sqlite …) down, and the token can list at least one vault. The last check matters
    /// because the first two need no token: without it a revoked or mistyped token would pass
    /// every probe and surface only when an approved session fetches its first secret.</summary>
    public async Task<ProviderHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        Response heartbeat;
        try
        {
            heartbeat = await SendAsync("heartbeat", _singleAttempt, cancellationToken);
        }
        catch (ConnectException e)
        {
            return new ProviderHealth(false, $"1Password Connect at {_shownUrl}: {e.Reason}");
        }
        if (heartbeat.Status != HttpStatusCode.OK)
            return new ProviderHealth(false, $"1Password Connect at {_shownUrl}: /heartbeat answered {Describe(heartbeat)}");

        var server = await ServerHealthAsync(cancellationToken);
        if (!server.Healthy) return server;
        var token = await TokenHealthAsync(cancellationToken);
        return token.Healthy ? server with { Detail = $"{server.Detail}; {token.Detail}" } : token;
    }

    /// <summary><c>GET /health</c>: the version and the dependencies, unhealthy when one is down.
    /// An unreadable answer is not held against a server whose heartbeat is fine.</summary>
    private async Task<ProviderHealth> ServerHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            var health = await SendAsync("health", _singleAttempt, cancellationToken);
            if (health.Status != HttpStatusCode.OK)
                return new ProviderHealth(true, $"1Password Connect at {_shownUrl} is up (/health answered {Describe(health)})");
            var body = JsonSerializer.Deserialize<ConnectHealth>(health.Body, OnePasswordItem.Json);
            var deps = body?.Dependencies ?? [];
            var down = deps.Where(d => d.Status is not ("ACTIVE" or "AVAILABLE")).ToList();
            var version = body?.Version is { Length: > 0 } v ? $" {v}" : "";
            return down.Count == 0
                ? new ProviderHealth(true, $"1Password Connect{version} at {_shownUrl} is up" +
                                           (deps.Count > 0 ? $" ({string.Join(", ", deps.Select(d => $"{d.Service} {d.Status}"))})" : ""))
                : new ProviderHealth(false, $"1Password Connect{version} at {_shownUrl} answers, but " +
                                            string.Join(", ", down.Select(d => $"{d.Service} is {d.Status}" + (d.Message is { Length: > 0 } m ? $" ({Clean(m)})" : ""))) +
                                            "; check the connect-sync container and its credentials file");
        }
        catch (Exception e) when (e is ConnectException or JsonException)
        {
            return new ProviderHealth(true, $"1Password Connect at {_shownUrl} is up (/health unreadable)");
        }
    }

    /// <summary><c>GET /v1/vaults</c> with the token: 401 means the token is wrong or revoked, an
    /// empty list means it can read nothing. Only the number of vaults is reported, not their names.</summary>
    private async Task<ProviderHealth> TokenHealthAsync(CancellationToken cancellationToken)
    {
        Response vaults;
        try
        {
            vaults = await SendAsync("v1/vaults", _singleAttempt, cancellationToken);
        }
        catch (ConnectException e)
        {
            return new ProviderHealth(false, $"1Password Connect at {_shownUrl} is up, but listing vaults failed: {e.Reason}");
        }
        if (vaults.Status == HttpStatusCode.Unauthorized)
            return new ProviderHealth(false, $"1Password Connect at {_shownUrl} is up but rejected the token ({Describe(vaults)}). " + TokenAdvice);
        if (vaults.Status != HttpStatusCode.OK)
            return new ProviderHealth(false, $"1Password Connect at {_shownUrl} is up, but listing vaults with the token answered {Describe(vaults)}");
        int count;
        try
        {
            count = JsonSerializer.Deserialize<List<ConnectVault>>(vaults.Body, OnePasswordItem.Json)?.Count ?? 0;
        }
        catch (JsonException)
        {
            return new ProviderHealth(false, $"1Password Connect at {_shownUrl} is up, but its vault list is not the JSON array Connect sends");
        }
        return count > 0
            ? new ProviderHealth(true, $"the token reads {count} vault(s)")
            : new ProviderHealth(false, $"1Password Connect at {_shownUrl} is up, but its token can read no vault: give the token read " +
                                        "access to the vaults your references name (Developer > Connect servers > the token's vaults)");
    }

    private const string TokenAdvice =
        "Check that the Connect token configured for this server (sre.secrets.onepassword-connect.token, usually OP_CONNECT_TOKEN) " +
        "is current, was issued for this Connect server and has not been revoked";

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    private async Task<(string Id, string Name)> ResolveVaultAsync(SecretReference reference, CancellationToken ct)
    {
        var name = reference.Vault;
        if (SecretReference.LooksLikeId(name))
        {
            var byId = await GetAsync($"v1/vaults/{name}", reference, ct);
            if (byId.Status == HttpStatusCode.OK) return (name, Deserialize<ConnectVault>(byId, reference)?.Name ?? name);
            if (byId.Status == HttpStatusCode.Forbidden) throw VaultForbidden(reference, byId);
            ThrowUnlessNotFound(byId, reference);
        }

        var filtered = await GetAsync($"v1/vaults?filter={Uri.EscapeDataString($"name eq \"{name}\"")}", reference, ct);
        var vaults = ListOf<ConnectVault>(filtered, reference);
        var matches = vaults.Where(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 0)
        {
            var all = await GetAsync("v1/vaults", reference, ct);
            matches = ListOf<ConnectVault>(all, reference)
                .Where(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        }
        return matches.Count switch
        {
            1 => (matches[0].Id, matches[0].Name ?? name),
            0 => throw new SecretFetchException(reference,
                $"no vault named '{name}' is visible to the Connect token. Check the vault name in the reference, " +
                "or give the token read access to the vault (Connect lists only the vaults a token may read)"),
            _ => throw new SecretFetchException(reference,
                $"{matches.Count} vaults are named '{name}'; use the vault's id instead of its name"),
        };
    }

    private async Task<OnePasswordItem> ResolveItemAsync(SecretReference reference, (string Id, string Name) vault, CancellationToken ct)
    {
        var title = reference.Item;
        if (SecretReference.LooksLikeId(title))
        {
            var byId = await GetAsync($"v1/vaults/{vault.Id}/items/{title}", reference, ct);
            if (byId.Status == HttpStatusCode.OK) return FullItem(byId, reference);
            if (byId.Status == HttpStatusCode.Forbidden) throw VaultForbidden(reference, byId);
            ThrowUnlessNotFound(byId, reference);
        }

        var filtered = await GetAsync($"v1/vaults/{vault.Id}/items?filter={Uri.EscapeDataString($"title eq \"{title}\"")}", reference, ct);
        if (filtered.Status == HttpStatusCode.Forbidden) throw VaultForbidden(reference, filtered);
        var matches = ListOf<ConnectItemSummary>(filtered, reference).Where(i => i.Matches(title)).ToList();
        if (matches.Count == 0)
        {
            var all = await GetAsync($"v1/vaults/{vault.Id}/items", reference, ct);
            matches = ListOf<ConnectItemSummary>(all, reference).Where(i => i.Matches(title)).ToList();
        }
        if (matches.Count == 0)
            throw new SecretFetchException(reference,
                $"no item titled '{title}' in vault '{vault.Name}'. Check the item title in the reference, or use the item's id");
        if (matches.Count > 1)
            throw new SecretFetchException(reference,
                $"{matches.Count} items are titled '{title}' in vault '{vault.Name}'; use the item's id instead of its title");

        var full = await GetAsync($"v1/vaults/{vault.Id}/items/{matches[0].Id}", reference, ct);
        if (full.Status == HttpStatusCode.NotFound)
            throw new SecretFetchException(reference, $"item '{title}' disappeared from vault '{vault.Name}' while it was read; try again");
        return FullItem(full, reference);
    }

    private OnePasswordItem FullItem(Response response, SecretReference reference)
    {
        ThrowUnlessOk(response, reference);
        return Deserialize<OnePasswordItem>(response, reference)
               ?? throw new SecretFetchException(reference, $"1Password Connect at {_shownUrl} returned an empty item");
    }

    private List<T> ListOf<T>(Response response, SecretReference reference)
    {
        ThrowUnlessOk(response, reference);
        return Deserialize<List<T>>(response, reference) ?? [];
    }

    private T? Deserialize<T>(Response response, SecretReference reference)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(response.Body, OnePasswordItem.Json);
        }
        catch (JsonException)
        {
            // The parser's message can quote the body, which may hold values: report the position only.
            throw new SecretFetchException(reference, $"1Password Connect at {_shownUrl} returned a response that is not the expected JSON");
        }
    }

    private void ThrowUnlessNotFound(Response response, SecretReference reference)
    {
        if (response.Status != HttpStatusCode.NotFound) ThrowUnlessOk(response, reference);
    }

    private void ThrowUnlessOk(Response response, SecretReference reference)
    {
        switch (response.Status)
        {
            case HttpStatusCode.OK:
                return;
            case HttpStatusCode.Unauthorized:
                throw new SecretFetchException(reference,
                    $"1Password Connect at {_shownUrl} rejected the token ({Describe(response)}). " + TokenAdvice);
            case HttpStatusCode.Forbidden:
                throw VaultForbidden(reference, response);
            case >= HttpStatusCode.InternalServerError:
                throw new SecretFetchException(reference,
                    $"1Password Connect at {_shownUrl} answered {Describe(response)} after {response.Attempts} attempt(s). " +
                    "Check the Connect server (its connect-api and connect-sync containers and their logs)");
            default:
                throw new SecretFetchException(reference,
                    $"1Password Connect at {_shownUrl} answered {Describe(response)} to {response.Path}");
        }
    }

    private SecretFetchException VaultForbidden(SecretReference reference, Response response) =>
        new(reference,
            $"the Connect token may not read vault '{reference.Vault}' ({Describe(response)}). Give the token read access " +
            "to that vault in 1Password (Developer > Connect servers > the token's vaults), or reference a vault it can read");

    private async Task<Response> GetAsync(string path, SecretReference reference, CancellationToken ct)
    {
        try
        {
            return await SendAsync(path, _pipeline, ct);
        }
        catch (ConnectException e)
        {
            throw new SecretFetchException(reference, e.Reason, e.InnerException);
        }
    }

    /// <summary>One GET through a pipeline. Returns the final answer (status, body, attempts) or
    /// throws <see cref="ConnectException"/> for timeouts and connection errors; caller
    /// cancellation propagates as <see cref="OperationCanceledException"/>.</summary>
    private async Task<Response> SendAsync(string path, ResiliencePipeline<HttpResponseMessage> pipeline, CancellationToken ct)
    {
        var attempts = 0;
        try
        {
            using var response = await pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, path));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                // Buffers the body inside the attempt, so the timeout covers reading it too.
                return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token);
            }, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            return new Response(path, response.StatusCode, response.ReasonPhrase, body, attempts);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is TimeoutRejectedException or OperationCanceledException)
        {
            throw new ConnectException(
                $"1Password Connect at {_shownUrl} did not answer within {_options.Timeout.TotalSeconds:0.###} s. Check that the " +
                "Connect server is running and reachable, or raise sre.secrets.onepassword-connect.timeout");
        }
        catch (HttpRequestException e)
        {
            throw new ConnectException(
                $"could not reach 1Password Connect at {_shownUrl} after {attempts} attempt(s) ({Clean(e.Message)}). " +
                "Check that the Connect server is running and that the URL is right", e);
        }
    }

    private ResiliencePipeline<HttpResponseMessage> BuildPipeline(int retries)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryBaseDelay,
                // 5xx and connection errors are worth another try; 4xx will not change, and a
                // timeout already cost a full timeout.
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(r => (int)r.StatusCode >= 500),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }
        return builder.AddTimeout(_options.Timeout).Build();
    }

    private string Describe(Response response)
    {
        var status = $"{(int)response.Status} {response.Reason}".TrimEnd();
        var message = ErrorMessage(response.Body);
        return message is null ? status : $"{status}: {message}";
    }

    /// <summary>The <c>message</c> of a Connect error body (<c>{"status":401,"message":"…"}</c>), cleaned.</summary>
    private string? ErrorMessage(string body)
    {
        try
        {
            var error = JsonSerializer.Deserialize<ConnectError>(body, OnePasswordItem.Json);
            return error?.Message is { Length: > 0 } m ? Clean(m) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Server and socket text is shown only after removing the token and known secret
    /// shapes, on one line, and short.</summary>
    private string Clean(string text)
    {
        var cleaned = SecretRedactor.RedactKnownShapes(text.Replace(_options.Token, SecretRedactor.Mask, StringComparison.Ordinal))
            .ReplaceLineEndings(" ").Trim();
        return cleaned.Length <= 200 ? cleaned : cleaned[..200] + "…";
    }

    private sealed record Response(string Path, HttpStatusCode Status, string? Reason, string Body, int Attempts)
    {
        public override string ToString() => $"{(int)Status} {Path}"; // never the body
    }

    private sealed class ConnectException(string reason, Exception? inner = null) : Exception(reason, inner)
    {
        public string Reason { get; } = reason;
    }

    private sealed class ConnectVault
    {
        [JsonPropertyName("id")] public string Id { get; set; } = "";
        [JsonPropertyName("name")] public string? Name { get; set; }
    }

    private sealed class ConnectItemSummary
    {
        [JsonPropertyName("id")] public string Id { get; set; } = "";
        [JsonPropertyName("title")] public string? Title { get; set; }

        /// <summary>Absent for live items; ARCHIVED or DELETED ones are not what a reference means.</summary>
        [JsonPropertyName("state")] public string? State { get; set; }

        public bool Matches(string title) =>
            State is not ("ARCHIVED" or "DELETED") && string.Equals(Title, title, StringComparison.OrdinalIgnoreCase);
    }

    private sealed class ConnectError
    {
        [JsonPropertyName("status")] public int Status { get; set; }
        [JsonPropertyName("message")] public string? Message { get; set; }
    }

    private sealed class ConnectHealth
    {
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("version")] public string? Version { get; set; }
        [JsonPropertyName("dependencies")] public List<ConnectDependency>? Dependencies { get; set; }
    }

    private sealed class ConnectDependency
    {
        [JsonPropertyName("service")] public string? Service { get; set; }
        [JsonPropertyName("status")] public string? Status { get; set; }
        [JsonPropertyName("message")] public string? Message { get; set; }
    }
}
