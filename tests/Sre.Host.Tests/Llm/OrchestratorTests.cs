using System.Net;
using System.Text.Json.Nodes;
using Sre.Host.Tests.Support;
using Sre.Testing;
using Sre.Testing.OpenAi;

namespace Sre.Host.Tests.Llm;

/// <summary>The LLM orchestrator inside real sessions: the model plans, asks for a follow-up that
/// needs a second, narrower approval, and writes the report; when the model is unreachable the
/// rules answer and the session still finishes.</summary>
public sealed class OrchestratorTests(TestDatabase db)
{
    private const string ReplicaRef = "op://Infrastructure/replica-db";

    private TestConfig Catalog() => new TestConfig()
        .Postgres("prod", "prod-db", db.Server.Port, TestDatabase.Database, TestConfig.ProdDb, TestDatabase.User, TestDatabase.Password)
        .Postgres("prod", "replica-db", db.Server.Port, TestDatabase.Database, ReplicaRef, TestDatabase.User, TestDatabase.Password);

    private static JsonObject Assignment(string target, string reference, params string[] checks) => new()
    {
        ["agent"] = "database", ["target"] = target, ["credential"] = reference,
        ["checks"] = new JsonArray(checks.Select(c => (JsonNode?)c).ToArray()), ["reason"] = $"look at {target}",
    };

    [Fact]
    public async Task The_model_plans_asks_for_a_narrower_second_approval_and_writes_a_cited_report()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var llm = await FakeOpenAiServer.StartAsync(ct);
        llm.Enqueue(
            FakeReply.Json(new JsonObject { ["rationale"] = "start at the primary", ["assignments"] = new JsonArray(Assignment("prod-db", TestConfig.ProdDb, "reachability", "connections")) }).WithUsage(1000, 100),
            FakeReply.Json(new JsonObject { ["rationale"] = "check the replica too", ["done"] = true, ["assignments"] = new JsonArray(Assignment("replica-db", ReplicaRef, "replication")) }).WithUsage(1200, 80),
            FakeReply.Json(new JsonObject
            {
                ["hypotheses"] = new JsonArray(
                    new JsonObject { ["category"] = "unknown", ["summary"] = "Nothing abnormal on the primary or the replica.", ["culprit"] = null, ["confidence"] = 0.4, ["evidence"] = new JsonArray("f-1") },
                    new JsonObject { ["category"] = "db.replication_lag", ["summary"] = "An invented claim.", ["culprit"] = "ghost", ["confidence"] = 0.9, ["evidence"] = new JsonArray("f-99") }),
                ["recommendations"] = new JsonArray(new JsonObject { ["action"] = "Keep watching replication lag.", ["risk"] = "low", ["evidence"] = new JsonArray("f-1") }),
            }).WithUsage(1500, 120));

        var dir = Path.Combine(Path.GetTempPath(), "sre-llm-" + Guid.NewGuid().ToString("N")[..8]);
        var config = Catalog().Write(dir, $$"""sre.llm { endpoint = "{{llm.Endpoint}}", model = "gpt-test", max-follow-up-rounds = 1 }""");
        await using var sre = await SreTestServer.StartAsync(config, dir, cancellationToken: ct);

        var id = await sre.DiagnoseAsync("Customers see stale order history", "prod", ct);
        var events = new List<SseEvent>();
        var streaming = Task.Run(async () => { await foreach (var e in new SseClient().ReadAsync(sre.Http, $"/stream/{id}", null, ct)) events.Add(e); }, ct);

        var first = await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        Assert.Equal([TestConfig.ProdDb], first.GetProperty("requestedAccess").EnumerateArray().Select(a => a.GetProperty("reference").GetString()));
        await sre.PostAsync($"/approve/{id}", new { approved = true }, ct);

        // The follow-up round needs the replica's credential: a second, narrower approval.
        JsonObject? second = null;
        for (var i = 0; i < 600 && second is null; i++)
        {
            var (_, s) = await sre.GetAsync($"/status/{id}", ct);
            if (s.GetProperty("phase").GetString() == "waiting_for_input" && s.GetProperty("approvals").GetArrayLength() == 1)
                second = JsonNode.Parse(s.GetRawText())!.AsObject();
            else await Task.Delay(50, ct);
        }
        Assert.NotNull(second);
        Assert.Equal(ReplicaRef, second["requestedAccess"]![0]!["reference"]!.GetValue<string>());
        Assert.DoesNotContain(TestConfig.ProdDb, second["prompt"]!.GetValue<string>());
        Assert.Contains("follow-up", second["prompt"]!.GetValue<string>());
        var (approved, _) = await sre.PostAsync($"/approve/{id}", new { approved = true }, ct);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);

        var done = await sre.WaitForPhaseAsync(id, ct, "completed", "failed");
        Assert.Equal("completed", done.GetProperty("phase").GetString());
        await streaming.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal(2, events.Count(e => e.Event == "approval_required"));
        Assert.Contains(events, e => e.Event == "agent_started" && e.Data.Contains("replica-db"));

        var (_, report) = await sre.GetAsync($"/report/{id}", ct);
        Assert.Equal("llm", report.GetProperty("synthesizer").GetString());
        // The invented claim is dropped from the answer; a note says so.
        Assert.DoesNotContain("An invented claim.", report.GetProperty("rootCause").ToString());
        Assert.DoesNotContain("An invented claim.", report.GetProperty("contributingFactors").ToString());
        Assert.Contains(report.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("An invented claim."));
        Assert.All(report.GetProperty("rootCause").GetProperty("evidence").EnumerateArray(), e => Assert.NotEqual("f-99", e.GetString()));
        var calls = report.GetProperty("llmCalls").EnumerateArray().ToList();
        Assert.Equal(["plan", "follow-up", "synthesis"], calls.Select(c => c.GetProperty("purpose").GetString()));
        Assert.Equal([1000, 1200, 1500], calls.Select(c => c.GetProperty("promptTokens").GetInt32()));
        var usage = done.GetProperty("llm");
        Assert.Equal(3, usage.GetProperty("calls").GetInt32());
        Assert.Equal(3700, usage.GetProperty("promptTokens").GetInt32());
        Assert.Equal(300, usage.GetProperty("completionTokens").GetInt32());

        var metrics = await sre.Http.GetStringAsync("/metrics", ct);
        Assert.Contains("sre_llm", metrics);
        Assert.Equal(3, llm.Requests.Count);
    }

    [Fact]
    public async Task When_the_model_is_unreachable_the_rules_plan_and_report_and_the_stream_says_so()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Path.Combine(Path.GetTempPath(), "sre-llm-down-" + Guid.NewGuid().ToString("N")[..8]);
        var config = Catalog().Write(dir, $$"""sre.llm { endpoint = "http://127.0.0.1:{{FreePort.Next()}}/v1", model = "gpt-test", timeout = 2s }""");
        await using var sre = await SreTestServer.StartAsync(config, dir, cancellationToken: ct);

        var id = await sre.DiagnoseAsync("Diagnose the database connection failures in prod", "prod", ct);
        var waiting = await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        Assert.Equal(2, waiting.GetProperty("requestedAccess").GetArrayLength()); // the rule-based plan: every database target
        await sre.PostAsync($"/approve/{id}", new { approved = true }, ct);
        var done = await sre.WaitForPhaseAsync(id, ct, "completed", "failed");
        Assert.Equal("completed", done.GetProperty("phase").GetString());

        var errors = new List<SseEvent>();
        await foreach (var e in new SseClient().ReadAsync(sre.Http, $"/stream/{id}", null, ct))
            if (e.Event == "error") errors.Add(e);
        Assert.Contains(errors, e => e.Data.Contains("rule-based plan"));
        Assert.Contains(errors, e => e.Data.Contains("rule-based report"));

        var (_, report) = await sre.GetAsync($"/report/{id}", ct);
        Assert.Equal("rules", report.GetProperty("synthesizer").GetString());
        Assert.All(report.GetProperty("llmCalls").EnumerateArray(), c => Assert.Equal("unreachable", c.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task The_api_key_can_come_from_a_1Password_reference_and_is_sent_only_as_the_bearer_token()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var llm = await FakeOpenAiServer.StartAsync(ct);
        const string key = "sk-test-0123456789abcdefghijklmnop";
        var dir = Path.Combine(Path.GetTempPath(), "sre-llm-key-" + Guid.NewGuid().ToString("N")[..8]);
        var config = Catalog()
            .Item("op://Infrastructure/openai", new Dictionary<string, string> { ["credential"] = key })
            .Write(dir, $$"""sre.llm { endpoint = "{{llm.Endpoint}}", model = "gpt-test", api-key-reference = "op://Infrastructure/openai", max-follow-up-rounds = 0 }""");
        await using var sre = await SreTestServer.StartAsync(config, dir, cancellationToken: ct);
        var id = await sre.DiagnoseAsync("Diagnose the database connection failures in prod", "prod", ct);
        await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");

        // The fake answers 500 to unscripted calls, so the planner retried and fell back to the rules.
        Assert.NotEmpty(llm.Requests);
        Assert.All(llm.Requests, r =>
        {
            Assert.Equal($"Bearer {key}", r.Headers["Authorization"]);
            Assert.DoesNotContain(key, r.Body);
        });
    }
}
