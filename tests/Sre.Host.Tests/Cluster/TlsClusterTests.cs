using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
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
        using var http = new ClusterHttp(url);
        string Logs() => $"main:\n{ClusterHttp.Tail(main.Stderr)}\nrunner:\n{ClusterHttp.Tail(runner.Stderr)}";
        var members = (await http.WaitForMembersAsync(2, Logs, ct)).GetProperty("members").EnumerateArray()
            .Select(m => m.GetProperty("address").GetString()!).ToList();
        Assert.All(members, m => Assert.StartsWith("akka.ssl.tcp://", m));

        // The agent runs on the runner and redeems its handle from the main node across the TLS link.
        var session = await http.DiagnoseApprovingAsync(ct);
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
        var refused = false;
        for (var i = 0; i < 300 && !refused; i++)
        {
            refused = main.Stderr.Split('\n').Any(line =>
                line.Contains("Certificate pinning failed") && line.Contains(other.Thumbprint, StringComparison.OrdinalIgnoreCase));
            if (!refused) await Task.Delay(200, ct);
        }
        Assert.True(refused, Logs() + $"\nstranger:\n{ClusterHttp.Tail(stranger.Stderr)}");
        var after = (await http.ClusterAsync(ct)).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("address").GetString()!);
        Assert.Equal(members.Order(), after.Order());

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
}
