using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Sre.Host.Tests.ClientCli;
using Sre.Host.Tests.Support;
using Sre.Testing;

namespace Sre.Host.Tests.Cluster;

/// <summary>A cluster with <c>sre.cluster.tls</c>: the main node and a runner share one
/// certificate, so the runner joins and its agent redeems credentials over TLS; the remoting port
/// speaks nothing but TLS; a node with another certificate cannot join.</summary>
public sealed class TlsClusterTests(TestDatabase db)
{
    private const string Password = "CANARY-cluster-pfx-9d3e";

    [Fact]
    public async Task Nodes_sharing_the_cluster_certificate_work_together_and_a_stranger_is_turned_away()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = SreCli.TempDirectory("sre-tls-cluster");
        using var shared = TestCertificates.Create("sre-cluster");
        using var other = TestCertificates.Create("sre-cluster"); // same name, another key: not ours
        var sharedPfx = TestCertificates.WritePfx(shared, dir, "cluster", Password);
        var otherPfx = TestCertificates.WritePfx(other, dir, "stranger", Password);
        string Config(string name, string pfx) => WriteConfig(dir, name, TestConfig.Standard(db).Write(dir, $$"""
            sre.persistence.provider = sqlite
            sre.sessions.agent-deadline = 20s
            sre.cluster.tls { enabled = on, certificate = "{{pfx}}", password = ${?SRE_TLS_PASSWORD} }
            """));
        var environment = new Dictionary<string, string?> { ["SRE_TLS_PASSWORD"] = Password };

        var mainPort = FreePort.Next();
        var seed = $"127.0.0.1:{mainPort}";
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        await using var main = SreProcess.Start(dir, environment, "serve", "--config", Config("main", sharedPfx), "--roles", "main", "--urls", url,
            "--data", Path.Combine(dir, "main"), "--remoting", seed, "--seeds", seed);
        await using var runner = SreProcess.Start(dir, environment, "serve", "--config", Config("runner", sharedPfx), "--roles", "runner",
            "--data", Path.Combine(dir, "runner"), "--remoting", $"127.0.0.1:{FreePort.Next()}", "--seeds", seed);
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        string Logs() => $"main:\n{Tail(main.Stdout + main.Stderr)}\nrunner:\n{Tail(runner.Stdout + runner.Stderr)}";

        var members = await WaitForAsync(async () =>
        {
            var state = JsonDocument.Parse(await http.GetStringAsync("/cluster", ct)).RootElement;
            var up = state.GetProperty("members").EnumerateArray().Where(m => m.GetProperty("status").GetString() == "up").ToList();
            return up.Count == 2 ? up.Select(m => m.GetProperty("address").GetString()!).ToList() : null;
        }, Logs, ct);

        // The agent runs on the runner and redeems its handle from the main node across the TLS link.
        var session = await DiagnoseAsync(http, ct);
        Assert.True(session.GetProperty("phase").GetString() == "completed", session.ToString());
        var agent = session.GetProperty("agents")[0];
        Assert.True(agent.GetProperty("state").GetString() == "completed", session.ToString());
        Assert.True(agent.GetProperty("findings").GetInt32() >= 5, session.ToString());

        // The remoting port speaks TLS, answering with the cluster certificate.
        var (protocol, presented) = await HandshakeAsync(mainPort, shared, ct);
        Assert.True(protocol >= SslProtocols.Tls12, protocol.ToString());
        Assert.Equal(shared.Thumbprint, presented);

        // A node with a certificate the cluster does not pin cannot join.
        await using var stranger = SreProcess.Start(dir, environment, "serve", "--config", Config("stranger", otherPfx), "--roles", "runner",
            "--data", Path.Combine(dir, "stranger"), "--remoting", $"127.0.0.1:{FreePort.Next()}", "--seeds", seed);
        bool Refused() => (main.Stdout + main.Stderr).Split('\n').Any(line =>
            line.Contains("Certificate pinning failed") && line.Contains(other.Thumbprint, StringComparison.OrdinalIgnoreCase));
        await WaitForAsync(() => Task.FromResult<object?>(Refused() ? true : null),
            () => Logs() + $"\nstranger:\n{Tail(stranger.Stdout + stranger.Stderr)}", ct);
        var after = JsonDocument.Parse(await http.GetStringAsync("/cluster", ct)).RootElement.GetProperty("members");
        Assert.Equal(members.Order(), after.EnumerateArray().Select(m => m.GetProperty("address").GetString()!).Order());

        foreach (var node in new[] { main, runner, stranger })
            Assert.DoesNotContain(Password, node.Stdout + node.Stderr);
    }

    private static string WriteConfig(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name + ".conf");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A TLS client handshake on the remoting port, presenting <paramref name="clientCertificate"/>
    /// (the node requires one) and accepting whatever the node presents, which it returns.</summary>
    private static async Task<(SslProtocols Protocol, string? Thumbprint)> HandshakeAsync(int port, X509Certificate2 clientCertificate, CancellationToken ct)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port, ct);
        string? presented = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            presented = certificate is null ? null : new X509Certificate2(certificate).Thumbprint;
            return true;
        });
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "sre-cluster",
            ClientCertificates = [clientCertificate],
        }, ct);
        return (tls.SslProtocol, presented);
    }

    private static async Task<JsonElement> DiagnoseAsync(HttpClient http, CancellationToken ct)
    {
        var response = await http.PostAsync("/diagnose", new StringContent("""{"problem": "Diagnose the database connection failures in prod", "environment": "prod"}""", System.Text.Encoding.UTF8, "application/json"), ct);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("sessionId").GetString()!;
        for (var i = 0; i < 600; i++)
        {
            var status = JsonDocument.Parse(await http.GetStringAsync($"/status/{id}", ct)).RootElement.Clone();
            switch (status.GetProperty("phase").GetString())
            {
                case "waiting_for_input":
                    await http.PostAsync($"/approve/{id}", new StringContent("""{"approved": true}""", System.Text.Encoding.UTF8, "application/json"), ct);
                    break;
                case "completed" or "failed":
                    return status;
            }
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"session {id} never finished");
    }

    /// <summary>Polls until <paramref name="probe"/> returns a value (HTTP errors while a node starts are retried).</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, Func<string> logs, CancellationToken ct) where T : class
    {
        for (var i = 0; i < 600; i++)
        {
            try
            {
                if (await probe() is { } value) return value;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200, ct);
        }
        throw new TimeoutException("condition never held\n" + logs());
    }

    private static string Tail(string text) => text[^Math.Min(4000, text.Length)..];
}
