using System.Text.Json.Nodes;
using Sre.Testing.OpenAi;
using Sre.Tools.Llm;
using Sre.Tools.Model;
using Sre.Tools.Synthesis;
using static Sre.Tools.Tests.Llm.LlmTestWorld;

namespace Sre.Tools.Tests.Llm;

public sealed class LlmSynthesizerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Connections at 29 of 30, the rules' db.connection_exhaustion; a log spike of
    /// refused connections; a healthy cluster.</summary>
    private static SynthesisInput Input() => new(
        Request(),
        [
            Finding("f-1", "database", "prod-db", "connections", Severity.Critical, "Connections at 97% of usable slots (29/30)",
                "24 idle connections from application 'checkout-svc'",
                // Doubles, as parsed tool data reads: Finding.Number does not read in-memory ints.
                new JsonObject { ["total"] = 29.0, ["usable"] = 30.0, ["topApplication"] = "checkout-svc", ["topApplicationCount"] = 24.0, ["topApplicationIdle"] = 24.0 }),
            Finding("f-2", "logs", "app-logs", "errors", Severity.Warning, "New error template: 'connection refused' from checkout-svc (412 in 10 min)"),
            Finding("f-3", "kubernetes", "prod-k8s", "pods", Severity.Info, "All pods ready, no restarts"),
        ],
        [new AgentSummary("database", "prod-db", "completed", 1, 800), new AgentSummary("logs", "app-logs", "completed", 1, 300), new AgentSummary("kubernetes", "prod-k8s", "completed", 1, 200)]);

    private static JsonObject Hypothesis(string category, string summary, double confidence, params string[] evidence) => new()
    {
        ["category"] = category,
        ["summary"] = summary,
        ["culprit"] = "checkout-svc",
        ["confidence"] = confidence,
        ["evidence"] = new JsonArray(evidence.Select(e => (JsonNode?)e).ToArray()),
    };

    private static JsonObject Recommendation(string action, string risk, params string[] evidence) => new()
    {
        ["action"] = action,
        ["risk"] = risk,
        ["evidence"] = new JsonArray(evidence.Select(e => (JsonNode?)e).ToArray()),
    };

    private static JsonObject Diagnosis(JsonObject[] hypotheses, params JsonObject[] recommendations) => new()
    {
        ["hypotheses"] = new JsonArray(hypotheses.Cast<JsonNode?>().ToArray()),
        ["recommendations"] = new JsonArray(recommendations.Cast<JsonNode?>().ToArray()),
    };

    [Fact]
    public async Task The_model_ranks_and_writes_the_report_with_every_claim_citing_findings()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Diagnosis(
        [
            Hypothesis("db.connection_exhaustion", "checkout-svc holds 24 of 30 connections idle; new connections are refused.", 0.92, "f-1", "f-2"),
            Hypothesis("logs.dependency_failure", "checkout-svc logs 'connection refused' as a consequence.", 0.6, "f-2"),
        ],
        Recommendation("Lower checkout-svc's pool size below 20 and restart it.", "low", "f-1"))).WithUsage(2048, 310));

        var result = await new LlmSynthesizer(Options(server)).SynthesizeAsync(Input(), Ct);

        Assert.Equal("llm", result.Synthesizer);
        Assert.Equal("db.connection_exhaustion", result.RootCause.Category);
        Assert.Equal(["f-1", "f-2"], result.RootCause.Evidence);
        Assert.Equal(0.92, result.RootCause.Confidence);
        Assert.Equal("checkout-svc", result.RootCause.Culprit);
        var factor = Assert.Single(result.ContributingFactors);
        Assert.Equal("logs.dependency_failure", factor.Category);
        Assert.Equal(["f-2"], factor.Evidence);
        var recommendation = Assert.Single(result.Recommendations);
        Assert.Equal("low", recommendation.Risk);
        Assert.Equal(["f-1"], recommendation.Evidence);
        Assert.Equal("db.connection_exhaustion", result.CrossCheck?.Category);
        Assert.DoesNotContain(result.Notes, n => n.Contains("disagree"));
        Assert.Equal((2048, 310), (result.LlmCalls[0].PromptTokens, result.LlmCalls[0].CompletionTokens));
        Assert.Equal("synthesis", result.LlmCalls[0].Purpose);

        var request = Assert.Single(server.Requests);
        var schema = request.Json!["response_format"]!["json_schema"]!["schema"]!;
        var citable = schema["properties"]!["hypotheses"]!["items"]!["properties"]!["evidence"]!["items"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>());
        Assert.Equal(["f-1", "f-2", "f-3"], citable);
        var categories = schema["properties"]!["hypotheses"]!["items"]!["properties"]!["category"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Contains("db.connection_exhaustion", categories);
        Assert.Contains("unknown", categories);
        var material = request.Material!;
        Assert.Equal("db.connection_exhaustion", material["ruleHypotheses"]![0]!["category"]!.GetValue<string>());
        Assert.Equal("f-1", material["findings"]!["findings"]![0]!["id"]!.GetValue<string>()); // most severe first
    }

    [Fact]
    public async Task Claims_citing_nothing_or_invented_findings_are_dropped()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Diagnosis(
        [
            Hypothesis("db.connection_exhaustion", "Connection slots are exhausted.", 0.9, "f-1", "f-77"),
            Hypothesis("db.lock_contention", "A lock pile-up on orders blocks everything.", 0.7, "f-99"),
            Hypothesis("k8s.oom_killed", "Pods are being OOM killed.", 0.5),
        ],
        Recommendation("Terminate the idle connections of checkout-svc.", "medium", "f-1"),
        Recommendation("Kill the lock holder on orders.", "high", "f-42"))));

        var result = await new LlmSynthesizer(Options(server)).SynthesizeAsync(Input(), Ct);

        Assert.Equal("llm", result.Synthesizer);
        Assert.Equal(["f-1"], result.RootCause.Evidence);
        Assert.Empty(result.ContributingFactors);
        Assert.Equal(["Terminate the idle connections of checkout-svc."], result.Recommendations.Select(r => r.Action));
        Assert.Contains(result.Notes, n => n.Contains("A lock pile-up on orders") && n.Contains("cites no existing finding"));
        Assert.Contains(result.Notes, n => n.Contains("Pods are being OOM killed"));
        Assert.Contains(result.Notes, n => n.Contains("Kill the lock holder"));
        Assert.Contains(result.Notes, n => n.Contains("do not exist: f-42, f-77, f-99"));
    }

    [Fact]
    public async Task When_model_and_rules_name_different_root_causes_the_report_says_so()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Diagnosis(
            [Hypothesis("logs.dependency_failure", "checkout-svc cannot reach its payment dependency.", 0.7, "f-2")],
            Recommendation("Check the payment service.", "low", "f-2"))));

        var result = await new LlmSynthesizer(Options(server)).SynthesizeAsync(Input(), Ct);

        Assert.Equal("logs.dependency_failure", result.RootCause.Category);
        Assert.Equal("db.connection_exhaustion", result.CrossCheck?.Category);
        var note = Assert.Single(result.Notes, n => n.Contains("disagree"));
        Assert.Contains("the model says logs.dependency_failure", note);
        Assert.Contains("the rule-based cross-check says db.connection_exhaustion", note);
    }

    [Fact]
    public async Task A_root_cause_category_outside_the_API_list_falls_back_to_the_rules()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Diagnosis([Hypothesis("db.gremlins", "Gremlins in the pool.", 0.9, "f-1")])));

        var result = await new LlmSynthesizer(Options(server)).SynthesizeAsync(Input(), Ct);

        Assert.Equal("rules", result.Synthesizer);
        Assert.Equal("db.connection_exhaustion", result.RootCause.Category);
        Assert.Contains(result.Notes, n => n.Contains("'db.gremlins'") && n.Contains("not one of the API's categories"));
        Assert.Equal(LlmOutcome.Invalid, Assert.Single(result.LlmCalls).Outcome);
    }

    [Fact]
    public async Task An_answer_whose_claims_all_cite_nothing_falls_back_to_the_rules()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Diagnosis([Hypothesis("db.lock_contention", "Locks.", 0.9, "f-404")])));

        var result = await new LlmSynthesizer(Options(server)).SynthesizeAsync(Input(), Ct);

        Assert.Equal("rules", result.Synthesizer);
        Assert.Equal("db.connection_exhaustion", result.RootCause.Category);
        Assert.Contains(result.Notes, n => n.Contains("did not survive grounding"));
    }

    [Fact]
    public async Task A_model_that_finds_nothing_on_a_healthy_system_reports_unknown_with_what_was_checked()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Diagnosis([Hypothesis("unknown", "Nothing abnormal was observed.", 0)])));
        var healthy = new SynthesisInput(Request("Checkout feels slow"),
            [Finding("f-1", "kubernetes", "prod-k8s", "pods", Severity.Info, "All pods ready")],
            [new AgentSummary("kubernetes", "prod-k8s", "completed", 1, 100)]);

        var result = await new LlmSynthesizer(Options(server)).SynthesizeAsync(healthy, Ct);

        Assert.Equal("llm", result.Synthesizer);
        Assert.Equal("unknown", result.RootCause.Category);
        Assert.Contains("kubernetes on 'prod-k8s' (pods)", result.RootCause.Summary);
        Assert.DoesNotContain(result.Notes, n => n.Contains("disagree"));
    }

    [Theory]
    [InlineData("down", LlmOutcome.Unreachable)]
    [InlineData("timeout", LlmOutcome.Timeout)]
    [InlineData("429 beyond the bound", LlmOutcome.RateLimited)]
    [InlineData("500", "http_500")]
    [InlineData("malformed body", LlmOutcome.Malformed)]
    [InlineData("prose instead of JSON", LlmOutcome.Malformed)]
    [InlineData("refusal", LlmOutcome.Refused)]
    public async Task Every_failure_falls_back_to_the_rule_based_synthesis(string failure, string outcome)
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        var options = Options(server);
        LlmPlannerTests.Script(server, failure, ref options);

        var result = await new LlmSynthesizer(options).SynthesizeAsync(Input(), Ct);

        var rules = new RuleBasedSynthesizer().Synthesize(Input());
        Assert.Equal("rules", result.Synthesizer);
        Assert.Equal((rules.RootCause.Category, rules.RootCause.Summary), (result.RootCause.Category, result.RootCause.Summary));
        Assert.Equal(rules.RootCause.Evidence, result.RootCause.Evidence);
        Assert.Equal(outcome, Assert.Single(result.LlmCalls).Outcome);
        Assert.Contains(result.Notes, n => n.StartsWith($"The model could not write the diagnosis ({outcome}") && n.Contains("rule-based synthesis is reported"));
    }
}
