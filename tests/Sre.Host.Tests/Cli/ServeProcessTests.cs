using System.Text.Json;
using Sre.Host.Tests.Support;
using Sre.Testing;

namespace Sre.Host.Tests.Cli;

/// <summary>`sre serve` as a process: start-up checks, structured logs, graceful shutdown.</summary>
public sealed class ServeProcessTests(TestDatabase db)
{
    private static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sre-proc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public async Task A_malformed_credential_reference_stops_the_server_at_start_naming_the_file_and_line()
    {
        var dir = TempDir();
        var config = Path.Combine(dir, "bad.conf");
        await File.WriteAllTextAsync(config, """
            sre {
              environments {
                prod {
                  targets = [
                    { kind = postgres, name = prod-db, host = "db.internal",
                      credential = "op://Infra/prod db!/password" }
                  ]
                }
              }
            }
            """, TestContext.Current.CancellationToken);
        var (exit, _, stderr) = await SreProcess.RunAsync(dir, null, TimeSpan.FromSeconds(60), "serve", "--config", config, "--urls", $"http://127.0.0.1:{FreePort.Next()}");
        Assert.Equal(2, exit);
        Assert.Contains($"{config}:6", stderr);
        Assert.Contains("invalid credential reference", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
    }

    [Fact]
    public async Task Listening_beyond_loopback_without_tokens_is_refused()
    {
        var dir = TempDir();
        var (exit, _, stderr) = await SreProcess.RunAsync(dir, null, TimeSpan.FromSeconds(60), "serve", "--urls", "http://0.0.0.0:5999");
        Assert.Equal(2, exit);
        Assert.Contains("without authentication", stderr);
        Assert.Contains("sre.auth.tokens", stderr);
    }

    [Fact]
    public async Task A_served_node_logs_json_when_not_on_a_terminal_and_shuts_down_gracefully_on_SIGTERM()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = TempDir();
        var config = Path.Combine(dir, "sre.conf");
        await File.WriteAllTextAsync(config, TestConfig.Standard(db).Write(dir), ct);
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        await using var node = SreProcess.Start(dir, null, "serve", "--config", config, "--urls", url, "--data", Path.Combine(dir, "data"));

        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var ready = false;
        for (var i = 0; i < 200 && !ready; i++)
        {
            try { ready = (await http.GetAsync("/health/ready", ct)).IsSuccessStatusCode; }
            catch (HttpRequestException) { }
            if (!ready) await Task.Delay(200, ct);
        }
        Assert.True(ready, node.Stderr);
        Assert.True(File.Exists(Path.Combine(dir, "data", "sre.db")), "the embedded journal lives under --data");

        node.Signal("TERM");
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        var lines = node.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line); // every line is a JSON object
            Assert.True(json.RootElement.TryGetProperty("@t", out _));
        }
        Assert.Contains("CoordinatedShutdown", node.Stderr);
        Assert.Contains("Leaving", node.Stderr); // the node left the cluster, handing its shards off
    }
}
