using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Sre.Host.Tests.Support;
using Sre.Testing.OnePassword;
using Sre.Testing.OpenAi;

namespace Sre.Host.Tests.Security;

/// <summary>The whole credential journey with a canary password: fetched from (a wire-faithful)
/// 1Password Connect, used by the PostgreSQL agent to log in to a real database, and then looked
/// for everywhere it must never be.</summary>
public sealed class CanaryTests(TestDatabase db)
{
    [Fact]
    public async Task A_canary_password_used_for_a_real_login_appears_nowhere_it_must_not()
    {
        var ct = TestContext.Current.CancellationToken;
        var canary = "Cnry-" + Guid.NewGuid().ToString("N")[..12] + "-x9";
        var role = "canary_" + Guid.NewGuid().ToString("N")[..6];
        await db.Server.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD '{canary}' IN ROLE pg_monitor", cancellationToken: ct);

        await using var connect = await FakeConnectServer.StartAsync(cancellationToken: ct);
        connect.AddLogin("Infrastructure", "prod-db", role, canary);

        await using var llm = await FakeOpenAiServer.StartAsync(ct);
        llm.Enqueue(FakeReply.Json(new JsonObject
        {
            ["rationale"] = "Connection failures start at the database.",
            ["assignments"] = new JsonArray(new JsonObject
            {
                ["agent"] = "database", ["target"] = "prod-db", ["credential"] = TestConfig.ProdDb,
                ["checks"] = new JsonArray("reachability", "connections", "locks"), ["reason"] = "the symptom is connections",
            }),
        }));
        llm.Enqueue(FakeReply.Json(new JsonObject
        {
            ["hypotheses"] = new JsonArray(new JsonObject
            {
                ["category"] = "unknown", ["summary"] = "Nothing abnormal in connections or locks.", ["culprit"] = null,
                ["confidence"] = 0.3, ["evidence"] = new JsonArray("f-1"),
            }),
            ["recommendations"] = new JsonArray(),
        }));

        var dir = Path.Combine(Path.GetTempPath(), "sre-canary-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var log = Path.Combine(dir, "sre.log");
        var config = $$"""
            sre {
              environments.prod.targets = [
                { kind = postgres, name = prod-db, host = "127.0.0.1", port = {{db.Server.Port}}, database = {{TestDatabase.Database}}, credential = "{{TestConfig.ProdDb}}" }
              ]
              secrets {
                provider = onepassword-connect
                onepassword-connect { url = "{{connect.Url}}", token = "{{connect.Token}}" }
              }
              llm { endpoint = "{{llm.Endpoint}}", model = "gpt-test", api-key = "test-key-for-the-fake" }
              log.file = "{{log}}"
            }
            """;
        await using var sre = await SreTestServer.StartAsync(config, dir, cancellationToken: ct);

        var id = await sre.DiagnoseAsync("Diagnose the database connection failures in prod", "prod", ct);
        var stream = new StringBuilder();
        var streaming = Task.Run(async () =>
        {
            await foreach (var e in new SseClient().ReadAsync(sre.Http, $"/stream/{id}", null, ct)) stream.AppendLine(e.Data);
        }, ct);
        var waiting = await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        var (approve, approved) = await sre.PostAsync($"/approve/{id}", new { approved = true }, ct);
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        var done = await sre.WaitForPhaseAsync(id, ct, "completed");
        await streaming.WaitAsync(TimeSpan.FromSeconds(60), ct);

        var report = await sre.Http.GetStringAsync($"/report/{id}", ct);
        using var md = new HttpRequestMessage(HttpMethod.Get, $"/report/{id}");
        md.Headers.Accept.ParseAdd("text/markdown");
        var markdown = await (await sre.Http.SendAsync(md, ct)).Content.ReadAsStringAsync(ct);
        var audit = await sre.Http.GetStringAsync($"/audit?session={id}", ct);
        var status = done.ToString();

        // The canary really was used: the agent logged in as the canary role.
        Assert.Contains("\"kind\":\"connected\"", report);
        Assert.Contains(role, report);
        Assert.Contains(connect.Requests, r => r.Path.Contains("/items/") && r.Authorized);
        Assert.True(llm.Requests.Count >= 2, "the planner and the synthesizer both asked the model");

        await sre.StopAsync(); // flush the journal and the log file
        var journal = new StringBuilder();
        foreach (var file in Directory.GetFiles(dir, "sre.db*"))
            journal.Append(Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file, ct)));
        Assert.Contains("session-" + id, journal.ToString()); // the journal is really there
        var logText = await File.ReadAllTextAsync(log, ct);
        Assert.Contains(id, logText);

        var places = new Dictionary<string, string>
        {
            ["journal"] = journal.ToString(),
            ["log"] = logText,
            ["sse"] = stream.ToString(),
            ["status (waiting)"] = waiting.ToString(),
            ["status (approved)"] = approved.ToString(),
            ["status (done)"] = status,
            ["report json"] = report,
            ["report markdown"] = markdown,
            ["audit"] = audit,
            ["llm requests"] = string.Join("\n", llm.Requests.Select(r => r.Body)),
        };
        foreach (var (place, text) in places)
            Assert.False(text.Contains(canary, StringComparison.Ordinal), $"the canary leaked into the {place}");
        try { Directory.Delete(dir, true); } catch { /* temp */ }
    }
}
