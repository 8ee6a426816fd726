using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sre.Tools.Secrets;

namespace Sre.Testing.OnePassword;

/// <summary>How the next requests fail (see <see cref="FakeConnectServer.FailNext"/>).</summary>
public enum FakeConnectFailure
{
    /// <summary><c>503 {"status":503,"message":"…"}</c>, as Connect answers while it cannot serve.</summary>
    ServiceUnavailable,

    /// <summary>The connection is reset without an answer, as when the server process dies.</summary>
    DropConnection,
}

/// <summary>One request the server saw. Records no header values, so no token reaches test output.</summary>
public sealed record FakeConnectRequest(string Method, string Path, string? Filter, int Status, bool Authorized, bool Dropped);

/// <summary>A 1Password Connect server for tests: Kestrel on 127.0.0.1 (a port the OS picks),
/// speaking Connect's REST shapes — <c>/v1/vaults</c> with <c>filter=name eq "…"</c>,
/// <c>/v1/vaults/{id}</c>, <c>/v1/vaults/{id}/items</c> with <c>filter=title eq "…"</c>,
/// <c>/v1/vaults/{id}/items/{id}</c> with sections and fields, <c>{"status","message"}</c> errors
/// (400, 401, 403, 404), <c>/heartbeat</c> (<c>.</c>) and <c>/health</c>. Filters match exactly
/// (case-sensitive), the strict reading of Connect's SCIM <c>eq</c>.
/// Switches: a wrong token (any token but <see cref="Token"/> or a granted one is 401), restricted
/// tokens (<see cref="GrantToken"/>, 403 outside their vaults), failures (<see cref="FailNext"/>),
/// a response delay, stop and restart on the same port, and a request log.</summary>
public sealed partial class FakeConnectServer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<FakeVault> _vaults = [];
    private readonly Dictionary<string, HashSet<string>?> _tokens = new(StringComparer.Ordinal); // null: every vault
    private readonly List<FakeConnectRequest> _requests = [];
    private readonly Queue<FakeConnectFailure> _failures = new();
    private readonly CancellationTokenSource _disposed = new();
    private WebApplication? _app;
    private int _port;

    private FakeConnectServer(string token)
    {
        Token = token;
        _tokens[token] = null;
    }

    /// <summary>The bearer token with access to every vault.</summary>
    public string Token { get; }

    /// <summary>The server's base URL, e.g. http://127.0.0.1:41234 (stable across restarts).</summary>
    public Uri Url => new($"http://127.0.0.1:{_port}");

    /// <summary>Delay before every answer (heartbeat and health included); for timeout tests.</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>The sync dependency's status in /health (ACTIVE, TOKEN_NEEDED …).</summary>
    public string SyncStatus { get; set; } = "ACTIVE";

    /// <summary>Options for <see cref="OnePasswordConnectProvider"/> pointing here with the full token.</summary>
    public OnePasswordConnectOptions ProviderOptions(TimeSpan? timeout = null, int retryCount = 3) =>
        new(Url, Token)
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
            RetryCount = retryCount,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        };

    public static async Task<FakeConnectServer> StartAsync(string? token = null, CancellationToken cancellationToken = default)
    {
        var server = new FakeConnectServer(token ?? "fake-connect-token-" + Guid.NewGuid().ToString("N"));
        await server.StartOnPortAsync(0, cancellationToken);
        return server;
    }

    public FakeVault AddVault(string name, string? id = null)
    {
        var vault = new FakeVault(id ?? FakeIds.New(), name, _gate);
        lock (_gate) _vaults.Add(vault);
        return vault;
    }

    /// <summary>The vault with this exact name, created when missing.</summary>
    public FakeVault Vault(string name)
    {
        lock (_gate)
        {
            var existing = _vaults.FirstOrDefault(v => v.Name == name);
            if (existing is not null) return existing;
        }
        return AddVault(name);
    }

    /// <summary>Shortcut: a LOGIN item with username and password in the named vault.</summary>
    public FakeItem AddLogin(string vault, string title, string username, string password) =>
        Vault(vault).AddLogin(title, username, password);

    /// <summary>Accepts another token that may read only the named vaults: other vaults are absent
    /// from its lists and answer 403 when addressed by id.</summary>
    public void GrantToken(string token, params string[] vaultNames)
    {
        lock (_gate) _tokens[token] = new HashSet<string>(vaultNames, StringComparer.Ordinal);
    }

    /// <summary>The next <paramref name="count"/> requests (any path) fail this way, then the server recovers.</summary>
    public void FailNext(int count, FakeConnectFailure failure = FakeConnectFailure.ServiceUnavailable)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++) _failures.Enqueue(failure);
        }
    }

    public IReadOnlyList<FakeConnectRequest> Requests
    {
        get { lock (_gate) return _requests.ToList(); }
    }

    public void ClearRequests()
    {
        lock (_gate) _requests.Clear();
    }

    /// <summary>Stops listening: connections are refused until <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_app is null) return;
        var app = _app;
        _app = null;
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(TimeSpan.FromSeconds(2));
        await app.StopAsync(grace.Token);
        await app.DisposeAsync();
    }

    /// <summary>Listens again on the same port, with the same vaults, tokens and log.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) =>
        _app is null ? StartOnPortAsync(_port, cancellationToken) : Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await StopAsync();
        _disposed.Dispose();
    }

    private async Task StartOnPortAsync(int port, CancellationToken cancellationToken)
    {
        // The empty builder reads no configuration files, so many servers in one test run open no
        // file watchers (inotify instances are few).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _port = new Uri(address).Port;
        _app = app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var filter = request.Query["filter"].FirstOrDefault();
        var authorized = TokenOf(request) is { } presented && IsKnownToken(presented);

        if (ResponseDelay > TimeSpan.Zero)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _disposed.Token);
            try
            {
                await Task.Delay(ResponseDelay, linked.Token);
            }
            catch (OperationCanceledException)
            {
                Log(request.Method, path, filter, 499, authorized, dropped: true);
                return;
            }
        }

        FakeConnectFailure? failure;
        lock (_gate) failure = _failures.TryDequeue(out var f) ? f : null;
        switch (failure)
        {
            case FakeConnectFailure.DropConnection:
                Log(request.Method, path, filter, 0, authorized, dropped: true);
                context.Abort();
                return;
            case FakeConnectFailure.ServiceUnavailable:
                await ErrorAsync(context, 503, "Connect is not ready to serve requests", filter, authorized);
                return;
        }

        if (path == "/heartbeat")
        {
            Log(request.Method, path, filter, 200, authorized, dropped: false);
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(".");
            return;
        }
        if (path == "/health")
        {
            var health = new JsonObject
            {
                ["name"] = "1Password Connect API",
                ["version"] = "1.7.3",
                ["dependencies"] = new JsonArray(
                    new JsonObject { ["service"] = "sqlite", ["status"] = "ACTIVE", ["message"] = "Connected to /home/opuser/.op/data/1password.sqlite" },
                    new JsonObject { ["service"] = "sync", ["status"] = SyncStatus }),
            };
            await JsonAsync(context, 200, health, filter, authorized);
            return;
        }
        if (!path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            await ErrorAsync(context, 404, "Not found", filter, authorized);
            return;
        }
        if (!authorized)
        {
            await ErrorAsync(context, 401, TokenOf(request) is null ? "Missing bearer token" : "Invalid token signature", filter, authorized);
            return;
        }
        if (request.Method != HttpMethods.Get)
        {
            await ErrorAsync(context, 405, "Method not allowed in this fake", filter, authorized);
            return;
        }

        var access = AccessOf(TokenOf(request)!);
        var segments = path["/v1/".Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        await (segments switch
        {
            ["vaults"] => ListVaultsAsync(context, access, filter),
            ["vaults", var v] => WithVaultAsync(context, access, v, filter, vault => JsonAsync(context, 200, VaultJson(vault), filter, true)),
            ["vaults", var v, "items"] => WithVaultAsync(context, access, v, filter, vault => ListItemsAsync(context, vault, filter)),
            ["vaults", var v, "items", var i] => WithVaultAsync(context, access, v, filter, vault => GetItemAsync(context, vault, i, filter)),
            _ => ErrorAsync(context, 404, "Not found", filter, true),
        });
    }

    private Task ListVaultsAsync(HttpContext context, HashSet<string>? access, string? filter)
    {
        if (!TryParseFilter(filter, out var attribute, out var name) || attribute is not (null or "name"))
            return ErrorAsync(context, 400, $"Invalid filter query: {filter}", filter, true);
        List<FakeVault> vaults;
        lock (_gate) vaults = _vaults.Where(v => Allowed(access, v) && (name is null || v.Name == name)).ToList();
        return JsonAsync(context, 200, new JsonArray(vaults.Select(v => (JsonNode)VaultJson(v)).ToArray()), filter, true);
    }

    private Task WithVaultAsync(HttpContext context, HashSet<string>? access, string vaultId, string? filter, Func<FakeVault, Task> then)
    {
        FakeVault? vault;
        lock (_gate) vault = _vaults.FirstOrDefault(v => v.Id == vaultId);
        if (vault is null) return ErrorAsync(context, 404, $"vault {vaultId} not found", filter, true);
        if (!Allowed(access, vault)) return ErrorAsync(context, 403, $"Authorization: token has no access to vault {vaultId}", filter, true);
        return then(vault);
    }

    private Task ListItemsAsync(HttpContext context, FakeVault vault, string? filter)
    {
        if (!TryParseFilter(filter, out var attribute, out var value) || attribute is not (null or "title" or "tag"))
            return ErrorAsync(context, 400, $"Invalid filter query: {filter}", filter, true);
        // Items carry no tags here, so a tag filter matches nothing.
        var items = vault.Items.Where(i => attribute is null || attribute == "title" && i.Title == value);
        return JsonAsync(context, 200, new JsonArray(items.Select(i => (JsonNode)ItemJson(i, full: false)).ToArray()), filter, true);
    }

    private Task GetItemAsync(HttpContext context, FakeVault vault, string itemId, string? filter)
    {
        var item = vault.Items.FirstOrDefault(i => i.Id == itemId);
        return item is null
            ? ErrorAsync(context, 404, $"item {itemId} not found in vault {vault.Id}", filter, true)
            : JsonAsync(context, 200, ItemJson(item, full: true), filter, true);
    }

    private static JsonObject VaultJson(FakeVault vault) => new()
    {
        ["id"] = vault.Id,
        ["name"] = vault.Name,
        ["description"] = "",
        ["attributeVersion"] = 1,
        ["contentVersion"] = 1 + vault.Items.Count,
        ["items"] = vault.Items.Count,
        ["type"] = "USER_CREATED",
        ["createdAt"] = "2026-01-05T09:00:00Z",
        ["updatedAt"] = "2026-01-05T09:00:00Z",
    };

    private static JsonObject ItemJson(FakeItem item, bool full)
    {
        var json = new JsonObject
        {
            ["id"] = item.Id,
            ["title"] = item.Title,
            ["version"] = 1,
            ["vault"] = new JsonObject { ["id"] = item.Vault.Id },
            ["category"] = item.Category,
            ["lastEditedBy"] = "fakeconnectuser0000000000a",
            ["createdAt"] = "2026-01-05T09:00:00Z",
            ["updatedAt"] = "2026-01-05T09:00:00Z",
        };
        if (item.Archived) json["state"] = "ARCHIVED";
        if (!full) return json;

        json["sections"] = new JsonArray(item.Sections.Select(s => (JsonNode)new JsonObject { ["id"] = s.Id, ["label"] = s.Label }).ToArray());
        json["fields"] = new JsonArray(item.Fields.Select(f =>
        {
            var field = new JsonObject { ["id"] = f.Id, ["type"] = f.Type };
            if (f.Purpose is not null) field["purpose"] = f.Purpose;
            field["label"] = f.Label;
            field["value"] = f.Value;
            if (f.SectionId is not null) field["section"] = new JsonObject { ["id"] = f.SectionId };
            if (f.Totp is not null) field["totp"] = f.Totp;
            return (JsonNode)field;
        }).ToArray());
        return json;
    }

    /// <summary>SCIM <c>attr eq "value"</c>, the only filter form Connect documents.</summary>
    private static bool TryParseFilter(string? filter, out string? attribute, out string? value)
    {
        attribute = null;
        value = null;
        if (filter is null) return true;
        var match = FilterPattern().Match(filter);
        if (!match.Success) return false;
        attribute = match.Groups["attr"].Value;
        value = match.Groups["value"].Value;
        return true;
    }

    private Task ErrorAsync(HttpContext context, int status, string message, string? filter, bool authorized) =>
        JsonAsync(context, status, new JsonObject { ["status"] = status, ["message"] = message }, filter, authorized);

    private async Task JsonAsync(HttpContext context, int status, JsonNode body, string? filter, bool authorized)
    {
        Log(context.Request.Method, context.Request.Path.Value ?? "/", filter, status, authorized, dropped: false);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private void Log(string method, string path, string? filter, int status, bool authorized, bool dropped)
    {
        lock (_gate) _requests.Add(new FakeConnectRequest(method, path, filter, status, authorized, dropped));
    }

    private static string? TokenOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.FirstOrDefault();
        return header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : null;
    }

    private bool IsKnownToken(string token)
    {
        lock (_gate) return _tokens.ContainsKey(token);
    }

    private HashSet<string>? AccessOf(string token)
    {
        lock (_gate) return _tokens[token];
    }

    private static bool Allowed(HashSet<string>? access, FakeVault vault) => access is null || access.Contains(vault.Name);

    [GeneratedRegex("""^\s*(?<attr>[a-z]+)\s+eq\s+"(?<value>[^"]*)"\s*$""")]
    private static partial Regex FilterPattern();
}
