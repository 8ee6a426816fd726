using System.Net;
using System.Text.Json;
using Sre.Host.Tests.Support;
using Sre.Testing.Postgres;
using Sre.Tools.Model;

namespace Sre.Host.Tests.EndToEnd;

/// <summary>The product's first scenario through real HTTP against a real PostgreSQL: an
/// application's pool holds the database's connection slots; the engineer asks, approves, watches
/// the stream and reads the report.</summary>
public sealed class DiagnosisJourneyTests
{
    [Fact]
    public async Task Diagnose_approve_stream_and_report_name_the_connection_usage_finding()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var pg = await PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = 20 }, ct);
        await using var db = await ScenarioDatabase.CreateAsync(pg, "journey", cancellationToken: ct);
        // checkout-svc's pool holds 15 of the 17 usable slots, idle.
        await db.HoldIdleConnectionsAsync("checkout-svc", 15, ct);

        var dir = Path.Combine(Path.GetTempPath(), "sre-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        var config = new TestConfig().Postgres("prod", "prod-db", pg.Port, db.Name, TestConfig.ProdDb, db.MonitorRole, db.MonitorPassword).Write(dir);
        await using var sre = await SreTestServer.StartAsync(config, dir, cancellationToken: ct);

        var (accepted, body) = await sre.PostAsync("/diagnose", new { problem = "Diagnose the database connection failures in prod", environment = "prod" }, ct);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = body.GetProperty("sessionId").GetString()!;
        Assert.Equal($"/stream/{id}", body.GetProperty("links").GetProperty("stream").GetString());

        // Follow the stream from the start, as Cursor or the CLI would.
        var events = new List<SseEvent>();
        var streaming = Task.Run(async () =>
        {
            await foreach (var e in new SseClient().ReadAsync(sre.Http, $"/stream/{id}", null, ct)) events.Add(e);
        }, ct);

        var waiting = await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        Assert.Contains(TestConfig.ProdDb, waiting.GetProperty("prompt").GetString());
        var access = Assert.Single(waiting.GetProperty("requestedAccess").EnumerateArray());
        Assert.Equal(TestConfig.ProdDb, access.GetProperty("reference").GetString());
        Assert.Equal("read-only", access.GetProperty("access").GetString());
        Assert.Equal("database", access.GetProperty("agents")[0].GetString());

        var (approved, status) = await sre.PostAsync($"/approve/{id}", new { approved = true }, ct);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.NotEqual("waiting_for_input", status.GetProperty("phase").GetString());

        await streaming.WaitAsync(TimeSpan.FromSeconds(90), ct);

        // Every event has the journal's sequence number as its id, strictly increasing.
        var ids = events.Select(e => e.Id!.Value).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());

        int First(string name, Func<SseEvent, bool>? where = null) =>
            events.FindIndex(e => e.Event == name && (where?.Invoke(e) ?? true));
        var phase = First("phase");
        var started = First("agent_started");
        var finding = First("finding");
        var completed = First("agent_completed");
        var report = First("report");
        Assert.True(phase >= 0 && phase < started && started < finding && finding < completed && completed < report,
            "events out of order: " + string.Join(", ", events.Select(e => e.Event)));
        Assert.Equal("completed", events[^1].Json.GetProperty("phase").GetString());
        Assert.Equal("completed", events[completed].Json.GetProperty("state").GetString());
        Assert.Contains(events, e => e.Event == "approval_required" && e.Data.Contains(TestConfig.ProdDb));

        var (reportResponse, json) = await sre.GetAsync($"/report/{id}", ct);
        Assert.Equal(HttpStatusCode.OK, reportResponse.StatusCode);
        var rootCause = json.GetProperty("rootCause");
        Assert.Equal(RootCauseCategory.DbConnectionExhaustion, rootCause.GetProperty("category").GetString());
        Assert.Contains("checkout-svc", rootCause.GetProperty("summary").GetString());
        var usage = json.GetProperty("findings").EnumerateArray()
            .Single(f => f.GetProperty("check").GetString() == "connections" && f.GetProperty("data").GetProperty("kind").GetString() == "usage");
        Assert.NotEqual("info", usage.GetProperty("severity").GetString());
        Assert.Equal("checkout-svc", usage.GetProperty("data").GetProperty("topApplication").GetString());
        var usageId = usage.GetProperty("id").GetString();
        Assert.Contains(usageId, rootCause.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains(json.GetProperty("recommendations").EnumerateArray(), r => r.GetProperty("action").GetString()!.Contains("pg_terminate_backend"));
        Assert.Equal("local", json.GetProperty("approvals")[0].GetProperty("principal").GetString());

        using var markdownRequest = new HttpRequestMessage(HttpMethod.Get, $"/report/{id}");
        markdownRequest.Headers.Accept.ParseAdd("text/markdown");
        var markdown = await sre.Http.SendAsync(markdownRequest, ct);
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType?.MediaType);
        var text = await markdown.Content.ReadAsStringAsync(ct);
        Assert.Contains("db.connection_exhaustion", text);
        Assert.Contains(usageId!, text);
    }
}
