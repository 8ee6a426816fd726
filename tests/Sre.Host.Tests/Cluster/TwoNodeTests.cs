using Sre.Host.Tests.Support;
using Sre.Testing;

namespace Sre.Host.Tests.Cluster;

/// <summary>Two real `sre serve` processes: a main node (HTTP, sessions, credentials) and a runner
/// (agents only). The agent runs on the runner, redeeming its handle across remoting; when the
/// runner leaves, a session still ends instead of hanging.</summary>
public sealed class TwoNodeTests(TestDatabase db)
{
    [Fact]
    public async Task Agents_run_on_the_runner_node_and_a_cluster_without_runners_times_them_out()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Path.Combine(Path.GetTempPath(), "sre-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "cluster.conf");
        // Both nodes read the same file, as pods read one ConfigMap; SQLite suffices with one main node.
        await File.WriteAllTextAsync(config, TestConfig.Standard(db).Write(dir, """
            sre.persistence.provider = sqlite
            sre.sessions.agent-deadline = 5s
            """), ct);
        var mainPort = FreePort.Next();
        var seed = $"127.0.0.1:{mainPort}";
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        await using var main = SreProcess.Start(dir, null, "serve", "--config", config, "--roles", "main", "--urls", url,
            "--data", Path.Combine(dir, "main"), "--remoting", seed, "--seeds", seed);
        await using var runner = SreProcess.Start(dir, null, "serve", "--config", config, "--roles", "runner",
            "--data", Path.Combine(dir, "runner"), "--remoting", $"127.0.0.1:{FreePort.Next()}", "--seeds", seed);

        using var http = new ClusterHttp(url);
        string Logs() => $"main:\n{ClusterHttp.Tail(main.Stderr)}\nrunner:\n{ClusterHttp.Tail(runner.Stderr)}";

        var cluster = await http.WaitForMembersAsync(2, Logs, ct);
        var roles = cluster.GetProperty("members").EnumerateArray().Select(m => string.Join(",", m.GetProperty("roles").EnumerateArray().Select(r => r.GetString()))).Order();
        Assert.Equal(["main", "runner"], roles);

        // The main node has no runner role: only the runner hosts routees, so findings prove the
        // agent ran there and redeemed its credential from the main node's credential actor.
        var done = await http.DiagnoseApprovingAsync(ct);
        Assert.Equal("completed", done.GetProperty("phase").GetString());
        var agent = done.GetProperty("agents")[0];
        Assert.Equal("completed", agent.GetProperty("state").GetString());
        Assert.True(agent.GetProperty("findings").GetInt32() >= 5, done.ToString());

        // `sre cluster members` over the admin API shows both nodes.
        var (exit, members, _) = await SreProcess.RunAsync(dir, null, TimeSpan.FromSeconds(60), "cluster", "members", "--server", url);
        Assert.Equal(0, exit);
        Assert.Contains("runner", members);
        Assert.Contains("main", members);

        // The runner leaves gracefully; with no runner left, the agent cannot start and the session
        // still ends, its agent timed out.
        runner.Signal("TERM");
        Assert.Equal(0, await runner.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        await http.WaitForMembersAsync(1, Logs, ct);
        var orphan = await http.DiagnoseApprovingAsync(ct);
        Assert.Equal("completed", orphan.GetProperty("phase").GetString());
        Assert.Equal("timed_out", orphan.GetProperty("agents")[0].GetProperty("state").GetString());
    }
}
