using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Sre.Host.Configuration;
using Sre.Host.Hosting;
using Sre.Testing;
using Sre.Tools.Json;

namespace Sre.Host.Tests.Support;

/// <summary>A real `sre serve` node in the test process: the production ServerHost on Kestrel at a
/// loopback port, a SQLite journal in a temporary data directory, and a HOCON file written by the
/// test (exactly what a user passes with --config).</summary>
public sealed class SreTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsData;

    public string BaseUrl { get; }
    public string DataDirectory { get; }
    public string ConfigFile { get; }
    public HttpClient Http { get; }

    private SreTestServer(WebApplication app, string baseUrl, string dataDirectory, string configFile, bool ownsData)
    {
        _app = app;
        _ownsData = ownsData;
        BaseUrl = baseUrl;
        DataDirectory = dataDirectory;
        ConfigFile = configFile;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a node with the given HOCON (layered over the defaults) and waits until it is
    /// ready, or only live when <paramref name="expectUnready"/> (a node whose readiness the test
    /// means to see failing).</summary>
    public static async Task<SreTestServer> StartAsync(string hocon, string? dataDirectory = null, IDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default, bool expectUnready = false)
    {
        var ownsData = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "sre-test-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dataDirectory);
        var configFile = Path.Combine(dataDirectory, $"test-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(configFile, hocon, cancellationToken);
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var app = ServerHost.Build(new ServeOptions { ConfigFile = configFile, Urls = url, DataDirectory = dataDirectory }, environment ?? new Dictionary<string, string?>());
        await app.StartAsync(cancellationToken);
        var server = new SreTestServer(app, url, dataDirectory, configFile, ownsData);
        await server.WaitUntilAsync(expectUnready ? "/health/live" : "/health/ready", cancellationToken);
        return server;
    }

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => WaitUntilAsync("/health/ready", cancellationToken);

    private async Task WaitUntilAsync(string probe, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var r = await Http.GetAsync(probe, cancellationToken);
                last = await r.Content.ReadAsStringAsync(cancellationToken);
                if (r.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException e) { last = e.Message; }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"The test server never answered {probe}: {last}");
    }

    public async Task StopAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try { await StopAsync(); } catch (ObjectDisposedException) { }
        if (_ownsData)
        {
            try { Directory.Delete(DataDirectory, recursive: true); } catch { /* temp */ }
        }
    }

    // ---- client helpers ----

    public async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string path, object? body, CancellationToken cancellationToken = default)
    {
        var response = body is null
            ? await Http.PostAsync(path, null, cancellationToken)
            : await Http.PostAsJsonAsync(path, body, SreJson.Options, cancellationToken);
        return (response, await ReadJson(response, cancellationToken));
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        var response = await Http.GetAsync(path, cancellationToken);
        return (response, await ReadJson(response, cancellationToken));
    }

    private static async Task<JsonElement> ReadJson(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text)) return default;
        try { return JsonDocument.Parse(text).RootElement.Clone(); }
        catch (JsonException) { return JsonDocument.Parse(JsonSerializer.Serialize(text)).RootElement.Clone(); }
    }

    public async Task<string> DiagnoseAsync(string problem, string? environment = null, CancellationToken cancellationToken = default)
    {
        var (response, body) = await PostAsync("/diagnose", new { problem, environment }, cancellationToken);
        if ((int)response.StatusCode != 202) throw new InvalidOperationException($"diagnose answered {(int)response.StatusCode}: {body}");
        return body.GetProperty("sessionId").GetString()!;
    }

    /// <summary>Polls GET /status until the phase is one of <paramref name="phases"/>.</summary>
    public async Task<JsonElement> WaitForPhaseAsync(string sessionId, CancellationToken cancellationToken, params string[] phases)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            var (response, body) = await GetAsync($"/status/{sessionId}", cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                last = body;
                if (phases.Contains(body.GetProperty("phase").GetString())) return body;
            }
            await Task.Delay(100, cancellationToken);
        }
        throw new TimeoutException($"Session {sessionId} never reached {string.Join("/", phases)}; last status: {last}");
    }
}
