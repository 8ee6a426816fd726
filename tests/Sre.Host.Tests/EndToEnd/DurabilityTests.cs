using System.Net;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.EndToEnd;

/// <summary>Nothing is lost: a node restart while a human decides, and a client that drops the
/// stream and comes back.</summary>
public sealed class DurabilityTests(TestDatabase db)
{
    [Fact]
    public async Task A_session_waiting_for_approval_survives_a_node_restart_and_completes_after_approval()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Path.Combine(Path.GetTempPath(), "sre-restart-" + Guid.NewGuid().ToString("N")[..8]);
        var config = TestConfig.Standard(db).Write(dir);

        string id;
        await using (var first = await SreTestServer.StartAsync(config, dir, cancellationToken: ct))
        {
            id = await first.DiagnoseAsync("Diagnose the database connection failures in prod", "prod", ct);
            await first.WaitForPhaseAsync(id, ct, "waiting_for_input");
        }

        // Same data directory, same SQLite journal, a fresh process-level node.
        await using var second = await SreTestServer.StartAsync(config, dir, cancellationToken: ct);
        var status = await second.WaitForPhaseAsync(id, ct, "waiting_for_input");
        Assert.Contains(TestConfig.ProdDb, status.GetProperty("prompt").GetString());

        var (approved, _) = await second.PostAsync($"/approve/{id}", new { approved = true }, ct);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var done = await second.WaitForPhaseAsync(id, ct, "completed", "failed");
        Assert.Equal("completed", done.GetProperty("phase").GetString());
        Assert.True(done.GetProperty("findingCount").GetInt32() > 0);

        var (sessions, list) = await second.GetAsync("/sessions", ct);
        Assert.Equal(HttpStatusCode.OK, sessions.StatusCode);
        Assert.Contains(list.GetProperty("sessions").EnumerateArray(), s => s.GetProperty("sessionId").GetString() == id && s.GetProperty("phase").GetString() == "completed");
        try { Directory.Delete(dir, true); } catch { /* temp */ }
    }

    [Fact]
    public async Task Reconnecting_with_Last_Event_ID_delivers_every_event_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Path.Combine(Path.GetTempPath(), "sre-resume-" + Guid.NewGuid().ToString("N")[..8]);
        await using var sre = await SreTestServer.StartAsync(TestConfig.Standard(db).Write(dir), dir, cancellationToken: ct);
        var id = await sre.DiagnoseAsync("Diagnose slow queries in prod", "prod", ct);
        await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");

        // First connection: read a few events, then drop the connection mid-stream.
        var first = new List<SseEvent>();
        using (var cut = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            try
            {
                await foreach (var e in new SseClient().ReadAsync(sre.Http, $"/stream/{id}", null, cut.Token))
                {
                    first.Add(e);
                    if (e.Event == "phase" && e.Data.Contains("waiting_for_input"))
                    {
                        // Let the session move on while nobody listens.
                        var (approved, _) = await sre.PostAsync($"/approve/{id}", new { approved = true }, ct);
                        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
                        await sre.WaitForPhaseAsync(id, ct, "completed");
                        await cut.CancelAsync();
                    }
                }
            }
            catch (OperationCanceledException) when (cut.IsCancellationRequested) { }
        }
        Assert.NotEmpty(first);
        Assert.DoesNotContain(first, e => e.Event == "report");

        // Second connection resumes after the last id seen.
        var second = new List<SseEvent>();
        await foreach (var e in new SseClient().ReadAsync(sre.Http, $"/stream/{id}", first[^1].Id, ct)) second.Add(e);

        // A third, fresh connection replays the whole journal: the reference.
        var all = new List<SseEvent>();
        await foreach (var e in new SseClient().ReadAsync(sre.Http, $"/stream/{id}", null, ct)) all.Add(e);

        var union = first.Concat(second).Select(e => e.Id!.Value).ToList();
        Assert.Equal(union.Count, union.Distinct().Count());
        Assert.Equal(all.Select(e => e.Id!.Value), union);
        Assert.Equal(all.Select(e => e.Data), first.Concat(second).Select(e => e.Data));
        Assert.Contains(second, e => e.Event == "report");
        Assert.Equal("completed", second[^1].Json.GetProperty("phase").GetString());
        try { Directory.Delete(dir, true); } catch { /* temp */ }
    }

    [Fact]
    public async Task The_websocket_on_the_stream_path_carries_the_same_events()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Path.Combine(Path.GetTempPath(), "sre-ws-" + Guid.NewGuid().ToString("N")[..8]);
        await using var sre = await SreTestServer.StartAsync(TestConfig.Standard(db).Write(dir), dir, cancellationToken: ct);
        var id = await sre.DiagnoseAsync("Diagnose the database in staging", "staging", ct);
        await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        await sre.PostAsync($"/approve/{id}", new { approved = true }, ct);
        await sre.WaitForPhaseAsync(id, ct, "completed");

        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(new Uri(sre.BaseUrl.Replace("http", "ws") + $"/stream/{id}"), ct);
        var messages = new List<System.Text.Json.JsonElement>();
        var buffer = new byte[1 << 20];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, ct);
            if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close) break;
            messages.Add(System.Text.Json.JsonDocument.Parse(buffer.AsMemory(0, received.Count)).RootElement.Clone());
        }

        var sse = new List<SseEvent>();
        await foreach (var e in new SseClient().ReadAsync(sre.Http, $"/stream/{id}", null, ct)) sse.Add(e);
        Assert.Equal(sse.Select(e => e.Id!.Value), messages.Select(m => m.GetProperty("id").GetInt64()));
        Assert.Equal(sse.Select(e => e.Event), messages.Select(m => m.GetProperty("event").GetString()));
        // Staging points at a closed port: the agent's failure to connect is the evidence.
        var report = messages.Single(m => m.GetProperty("event").GetString() == "report").GetProperty("data");
        Assert.Equal("db.unreachable", report.GetProperty("rootCause").GetProperty("category").GetString());
        try { Directory.Delete(dir, true); } catch { /* temp */ }
    }
}
