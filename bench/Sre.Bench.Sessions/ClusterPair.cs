using Microsoft.AspNetCore.Builder;
using Sre.Host.Configuration;
using Sre.Host.Hosting;
using Sre.Testing;

namespace Sre.Bench;

/// <summary>A main node (HTTP, sessions, credentials) and a runner (agents) in one process, joined
/// over loopback remoting, with or without <c>sre.cluster.tls</c>: every agent is dispatched to the
/// runner and redeems its credential from the main node across remoting, which is what TLS costs.</summary>
public sealed class ClusterPair : IAsyncDisposable
{
    private readonly WebApplication _main;
    private readonly WebApplication _runner;

    private ClusterPair(WebApplication main, WebApplication runner, string url)
    {
        _main = main;
        _runner = runner;
        Url = url;
    }

    public string Url { get; }

    public static async Task<ClusterPair> StartAsync(string directory, string baseConfig, bool tls, CancellationToken ct)
    {
        // One main node: its SQLite journal suffices (cluster.conf would ask for PostgreSQL).
        var config = baseConfig + "\nsre.persistence.provider = sqlite\n";
        if (tls)
        {
            using var certificate = TestCertificates.Create("sre-bench-cluster");
            var pfx = TestCertificates.WritePfx(certificate, directory, "cluster", "bench");
            config += $$"""

                sre.cluster.tls { enabled = on, certificate = "{{pfx}}", password = "bench" }
                """;
        }
        var file = Path.Combine(directory, tls ? "cluster-tls.conf" : "cluster-plain.conf");
        await File.WriteAllTextAsync(file, config, ct);
        var seed = $"127.0.0.1:{FreePort.Next()}";
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var main = ServerHost.Build(new ServeOptions
        {
            ConfigFile = file, Urls = url, Roles = ["main"], Remoting = seed, Seeds = [seed],
            DataDirectory = Path.Combine(directory, tls ? "main-tls" : "main-plain"),
        });
        await main.StartAsync(ct);
        var runner = ServerHost.Build(new ServeOptions
        {
            ConfigFile = file, Roles = ["runner"], Remoting = $"127.0.0.1:{FreePort.Next()}", Seeds = [seed],
            DataDirectory = Path.Combine(directory, tls ? "runner-tls" : "runner-plain"),
        });
        await runner.StartAsync(ct);
        var pair = new ClusterPair(main, runner, url);
        await pair.WaitForRunnerAsync(ct);
        return pair;
    }

    /// <summary>Ready, and the runner is an up member (without it every agent would time out).</summary>
    private async Task WaitForRunnerAsync(CancellationToken ct)
    {
        using var cluster = new ClusterHttp(Url);
        await cluster.WaitForMembersAsync(2, () => "(the nodes log to this console)", ct);
        using var http = new HttpClient { BaseAddress = new Uri(Url) };
        while (!(await http.GetAsync("/health/ready", ct)).IsSuccessStatusCode) await Task.Delay(100, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _runner.StopAsync();
        await _runner.DisposeAsync();
        await _main.StopAsync();
        await _main.DisposeAsync();
    }
}
