using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.EndToEnd;

/// <summary>Deadlines, metrics and traces of a running node.</summary>
public sealed class OperabilityTests(TestDatabase db)
{
    [Fact]
    public async Task A_database_that_accepts_tcp_but_never_answers_times_the_agent_out_instead_of_hanging_the_session()
    {
        var ct = TestContext.Current.CancellationToken;
        // A black hole: accepts connections, never speaks the PostgreSQL protocol.
        using var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start();
        var held = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested) held.Add(await blackHole.AcceptTcpClientAsync(ct));
        }, ct);
        var port = ((IPEndPoint)blackHole.LocalEndpoint).Port;

        var dir = Path.Combine(Path.GetTempPath(), "sre-hang-" + Guid.NewGuid().ToString("N")[..8]);
        var config = new TestConfig()
            .Postgres("prod", "hung-db", port, "app", TestConfig.ProdDb, "u", "secret-value-1")
            .Write(dir, "sre.sessions.agent-deadline = 2s");
        await using var sre = await SreTestServer.StartAsync(config, dir, cancellationToken: ct);
        var id = await sre.DiagnoseAsync("Diagnose the database connection failures in prod", "prod", ct);
        await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        await sre.PostAsync($"/approve/{id}", new { approved = true }, ct);

        var done = await sre.WaitForPhaseAsync(id, ct, "completed", "failed");
        Assert.Equal("completed", done.GetProperty("phase").GetString());
        Assert.Equal("timed_out", done.GetProperty("agents")[0].GetProperty("state").GetString());
        var (_, report) = await sre.GetAsync($"/report/{id}", ct);
        Assert.Contains(report.GetProperty("findings").EnumerateArray(), f => f.GetProperty("check").GetString() == "deadline");
        Assert.Contains(report.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("timed out"));
        foreach (var c in held) c.Dispose();
    }

    [Fact]
    public async Task Metrics_count_sessions_by_phase_agent_durations_and_approval_waits()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Path.Combine(Path.GetTempPath(), "sre-metrics-" + Guid.NewGuid().ToString("N")[..8]);
        await using var sre = await SreTestServer.StartAsync(TestConfig.Standard(db).Write(dir), dir, cancellationToken: ct);
        var id = await sre.DiagnoseAsync("Diagnose the database in prod", "prod", ct);
        await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        await sre.PostAsync($"/approve/{id}", new { approved = true }, ct);
        await sre.WaitForPhaseAsync(id, ct, "completed");

        var metrics = await sre.Http.GetStringAsync("/metrics", ct);
        Assert.Matches(@"sre_sessions\{phase=""completed""\} [1-9]", metrics);
        Assert.Contains("sre_sessions{phase=\"waiting_for_input\"}", metrics);
        Assert.Matches(@"sre_agent_duration_seconds_count\{[^}]*agent=""database""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"sre_approval_wait_seconds_count(\{[^}]*\})? [1-9]", metrics);
    }

    [Fact]
    public async Task One_trace_spans_the_http_request_the_session_and_the_agent()
    {
        var ct = TestContext.Current.CancellationToken;
        var activities = new System.Collections.Concurrent.ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Sre" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);

        var dir = Path.Combine(Path.GetTempPath(), "sre-trace-" + Guid.NewGuid().ToString("N")[..8]);
        await using var sre = await SreTestServer.StartAsync(TestConfig.Standard(db).Write(dir), dir, cancellationToken: ct);
        var id = await sre.DiagnoseAsync("Diagnose the database in prod", "prod", ct);
        await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        await sre.PostAsync($"/approve/{id}", new { approved = true }, ct);
        await sre.WaitForPhaseAsync(id, ct, "completed");

        var agent = activities.Single(a => a.OperationName == "agent.run" && (string?)a.GetTagItem("sre.session") == id);
        var approve = activities.Single(a => a.OperationName == "session.Approve" && (string?)a.GetTagItem("sre.session") == id);
        var http = activities.Single(a => a.Source.Name == "Microsoft.AspNetCore" && a.TraceId == approve.TraceId);
        Assert.Equal(http.TraceId, agent.TraceId);
        Assert.Contains($"/approve/{id}", http.DisplayName + " " + http.GetTagItem("url.path"));
    }
}
