using System.Text.Json.Nodes;
using Sre.Testing.OpenAi;
using Sre.Tools.Llm;
using Sre.Tools.Model;
using static Sre.Tools.Tests.Llm.LlmTestWorld;

namespace Sre.Tools.Tests.Llm;

public sealed class LlmPlannerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Plans_through_structured_output_and_asks_access_only_for_the_validated_assignments()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Plan(
            Assignment("database", "prod-db", ["connections", "reachability"], DbReference, "Connection failures: look at who holds the slots"),
            Assignment("logs", "app-logs", ["errors"], null))).WithUsage(812, 97));

        var plan = await new LlmPlanner(Options(server), Registry).PlanAsync(Request(), Prod, Ct);

        Assert.Equal("llm", plan.Planner);
        Assert.Equal(["database:prod-db", "logs:app-logs"], plan.Assignments.Select(a => a.Key));
        Assert.Equal(["connections", "reachability"], plan.Assignments[0].Checks);
        Assert.Equal(DbReference, plan.Assignments[0].Credential);
        var access = Assert.Single(plan.Access);
        Assert.Equal(DbReference, access.Reference);
        Assert.Equal("read-only", access.Access);
        Assert.Equal(["database"], access.Agents);
        // The approval text comes from the catalog and the registry, not from the model's words.
        Assert.Contains("pg_stat_activity by application and state", access.Reason);
        Assert.DoesNotContain("who holds the slots", access.Reason);
        Assert.Contains(plan.Warnings, w => w.Contains("'aws'"));

        var call = Assert.Single(plan.LlmCalls);
        Assert.Equal(("plan", "gpt-test", "ok", 812, 97, 909), (call.Purpose, call.Model, call.Outcome, call.PromptTokens, call.CompletionTokens, call.TotalTokens));
        Assert.True(call.LatencyMs >= 0);

        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer sk-test-not-a-real-key", request.Headers["Authorization"]);
        Assert.Equal("json_schema", request.ResponseFormat);
        Assert.Equal("submit_plan", request.Json!["response_format"]!["json_schema"]!["name"]!.GetValue<string>());
        Assert.True(request.Json!["response_format"]!["json_schema"]!["strict"]!.GetValue<bool>());
        var material = request.Material!;
        Assert.Equal("Diagnose the database connection failures in prod", material["problem"]!.GetValue<string>());
        Assert.Equal("checkout-svc", material["context"]!["service"]!.GetValue<string>());
        var targets = material["catalog"]!["targets"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["prod-db", "prod-k8s", "app-logs"], targets);
        Assert.Contains(DbReference, request.Body);
        Assert.DoesNotContain("db.internal", request.Body); // settings are not the model's business
    }

    [Fact]
    public async Task Plans_through_a_forced_function_call_when_configured_for_tool_calls()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.ToolCall("submit_plan", Plan(Assignment("kubernetes", "prod-k8s", ["pods", "events"], K8sReference))));

        var plan = await new LlmPlanner(Options(server, o => o with { AnswerStyle = LlmAnswerStyle.ToolCall }), Registry)
            .PlanAsync(Request("Checkout pods keep restarting"), Prod, Ct);

        Assert.Equal("llm", plan.Planner);
        Assert.Equal(["kubernetes:prod-k8s"], plan.Assignments.Select(a => a.Key));
        Assert.Equal([K8sReference], plan.Access.Select(a => a.Reference));
        var request = Assert.Single(server.Requests);
        Assert.Equal(["submit_plan"], request.ToolNames);
        Assert.Equal("submit_plan", request.Json!["tool_choice"]!["function"]!["name"]!.GetValue<string>());
        Assert.Null(request.ResponseFormat);
    }

    [Fact]
    public async Task A_tool_call_answer_is_accepted_when_structured_output_was_asked_for()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.ToolCall("submit_plan", Plan(Assignment("logs", "app-logs", ["errors"], null))));

        var plan = await new LlmPlanner(Options(server), Registry).PlanAsync(Request(), Prod, Ct);

        Assert.Equal("llm", plan.Planner);
        Assert.Equal(["logs:app-logs"], plan.Assignments.Select(a => a.Key));
        Assert.Empty(plan.Access);
    }

    [Fact]
    public async Task A_streamed_tool_call_is_assembled_from_its_chunks_with_usage_from_the_last_chunk()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.ToolCall("submit_plan", Plan(
            Assignment("database", "prod-db", ["connections"], DbReference),
            Assignment("kubernetes", "prod-k8s", ["pods"], K8sReference))).WithUsage(640, 130));

        var plan = await new LlmPlanner(Options(server, o => o with { Streaming = true, AnswerStyle = LlmAnswerStyle.ToolCall }), Registry)
            .PlanAsync(Request(), Prod, Ct);

        Assert.Equal("llm", plan.Planner);
        Assert.Equal(["database:prod-db", "kubernetes:prod-k8s"], plan.Assignments.Select(a => a.Key));
        Assert.Equal([DbReference, K8sReference], plan.Access.Select(a => a.Reference));
        Assert.True(Assert.Single(server.Requests).Streamed);
        var call = Assert.Single(plan.LlmCalls);
        Assert.Equal((640, 130), (call.PromptTokens, call.CompletionTokens));
    }

    [Fact]
    public async Task Streamed_structured_content_is_assembled_too()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Plan(Assignment("logs", "app-logs", ["errors"], null))));

        var plan = await new LlmPlanner(Options(server, o => o with { Streaming = true }), Registry).PlanAsync(Request(), Prod, Ct);

        Assert.Equal(["logs:app-logs"], plan.Assignments.Select(a => a.Key));
        Assert.Equal("llm", plan.Planner);
    }

    [Fact]
    public async Task Unknown_targets_agents_checks_and_foreign_references_are_dropped_with_warnings_and_never_planned()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Plan(
            Assignment("database", "prod-db-replica", ["connections"], null),                       // target not in the catalog
            Assignment("database", "prod-db", ["connections"], "op://Infrastructure/root"),          // reference not in the catalog
            Assignment("kubernetes", "prod-k8s", ["pods"], DbReference),                             // another target's reference
            Assignment("shell", "prod-db", ["connections"], DbReference),                            // no such agent
            Assignment("database", "app-logs", ["connections"], null),                               // agent cannot examine that kind
            Assignment("cloud", "aws", ["alarms"], AwsReference),                                    // no agent for it on this server
            Assignment("logs", "app-logs", ["errors", "rm -rf /var/log"], null),                     // one check does not exist
            Assignment("kubernetes", "prod-k8s", ["exec"], K8sReference))));                         // no check survives

        var plan = await new LlmPlanner(Options(server), Registry).PlanAsync(Request(), Prod, Ct);

        Assert.Equal("llm", plan.Planner);
        var only = Assert.Single(plan.Assignments);
        Assert.Equal(("logs:app-logs", "errors"), (only.Key, Assert.Single(only.Checks)));
        Assert.Empty(plan.Access);
        string[] expected =
        [
            "target 'prod-db-replica' is not in the 'prod' catalog",
            "credential reference 'op://Infrastructure/root' is not in the 'prod' catalog",
            $"credential reference '{DbReference}' belongs to another target, not 'prod-k8s'",
            "there is no agent 'shell'",
            "the database agent cannot examine logs target 'app-logs'",
            "no agent on this server can examine target 'aws'",
            "Dropped check 'rm -rf /var/log' of logs on 'app-logs'",
            "Dropped check 'exec' of kubernetes on 'prod-k8s'",
            "Dropped kubernetes on 'prod-k8s': no check it names exists",
        ];
        foreach (var warning in expected) Assert.Contains(plan.Warnings, w => w.Contains(warning));
    }

    [Fact]
    public async Task The_model_alone_picks_agents_even_where_the_rules_would_pick_others()
    {
        // The rules map "connection failures" to the database; the model chose logs and the plan follows it.
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Plan(Assignment("logs", "app-logs", ["errors"], null))));
        var plan = await new LlmPlanner(Options(server), Registry).PlanAsync(Request("Diagnose the database connection failures in prod"), Prod, Ct);
        Assert.Equal(["logs:app-logs"], plan.Assignments.Select(a => a.Key));

        // A problem text no rule knows a word of still gets a focused plan from the model.
        server.Enqueue(FakeReply.Json(Plan(Assignment("kubernetes", "prod-k8s", ["events"], K8sReference))));
        var other = await new LlmPlanner(Options(server), Registry).PlanAsync(Request("Die Bestellseite zeigt seit 14 Uhr nur noch weiße Seiten"), Prod, Ct);
        Assert.Equal(["kubernetes:prod-k8s"], other.Assignments.Select(a => a.Key));
        Assert.Equal("llm", other.Planner);
    }

    [Fact]
    public async Task A_plan_that_validates_to_nothing_falls_back_to_the_rules()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Plan(Assignment("database", "mystery-db", ["connections"], "op://Elsewhere/db"))));

        var plan = await new LlmPlanner(Options(server), Registry).PlanAsync(Request(), Prod, Ct);

        Assert.Equal("rules", plan.Planner);
        Assert.Contains("database:prod-db", plan.Assignments.Select(a => a.Key));
        Assert.Contains(plan.Warnings, w => w.Contains("'mystery-db' is not in the 'prod' catalog"));
        Assert.Contains(plan.Warnings, w => w.Contains("validated to nothing"));
        Assert.Equal(LlmOutcome.Invalid, Assert.Single(plan.LlmCalls).Outcome);
    }

    [Fact]
    public async Task A_429_is_retried_after_the_time_the_server_asks_for()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.RateLimited(retryAfterSeconds: 1), FakeReply.Json(Plan(Assignment("logs", "app-logs", ["errors"], null))));

        var plan = await new LlmPlanner(Options(server), Registry).PlanAsync(Request(), Prod, Ct);

        Assert.Equal("llm", plan.Planner);
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(2, Assert.Single(plan.LlmCalls).Attempts);
    }

    public static TheoryData<string, bool, string> Failures => new()
    {
        { "down", false, LlmOutcome.Unreachable },
        { "timeout", false, LlmOutcome.Timeout },
        { "timeout", true, LlmOutcome.Timeout },
        { "429 beyond the bound", false, LlmOutcome.RateLimited },
        { "429 twice", false, LlmOutcome.RateLimited },
        { "500", false, "http_500" },
        { "500", true, "http_500" },
        { "malformed body", false, LlmOutcome.Malformed },
        { "malformed stream", true, LlmOutcome.Malformed },
        { "prose instead of JSON", false, LlmOutcome.Malformed },
        { "prose instead of JSON", true, LlmOutcome.Malformed },
        { "cut at the token limit", false, LlmOutcome.Truncated },
        { "refusal", false, LlmOutcome.Refused },
        { "refusal", true, LlmOutcome.Refused },
        { "content filter", false, LlmOutcome.Refused },
        { "another function", false, LlmOutcome.Malformed },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Every_failure_of_the_endpoint_or_the_model_falls_back_to_the_rules_and_says_why(string failure, bool streaming, string outcome)
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        var options = Options(server, o => o with { Streaming = streaming });
        Script(server, failure, ref options);

        var plan = await new LlmPlanner(options, Registry).PlanAsync(Request(), Prod, Ct);

        Assert.Equal("rules", plan.Planner);
        Assert.Contains("database:prod-db", plan.Assignments.Select(a => a.Key));
        Assert.Contains(DbReference, plan.Access.Select(a => a.Reference));
        var call = Assert.Single(plan.LlmCalls);
        Assert.Equal(outcome, call.Outcome);
        Assert.StartsWith($"The model could not plan ({outcome}", plan.Warnings[0]);
        Assert.Contains("rule-based planner planned instead", plan.Warnings[0]);
    }

    internal static void Script(FakeOpenAiServer server, string failure, ref LlmOptions options)
    {
        var good = FakeReply.Json(Plan(Assignment("logs", "app-logs", ["errors"], null)));
        switch (failure)
        {
            case "down":
                options = options with { Endpoint = $"http://127.0.0.1:{Sre.Testing.FreePort.Next()}/v1" };
                break;
            case "timeout":
                options = options with { Timeout = TimeSpan.FromMilliseconds(300), MaxRetries = 0 };
                server.Enqueue(good.After(TimeSpan.FromSeconds(30)));
                break;
            case "429 beyond the bound":
                server.Enqueue(FakeReply.RateLimited(retryAfterSeconds: 3600), good);
                break;
            case "429 twice":
                server.Enqueue(FakeReply.RateLimited(0), FakeReply.RateLimited(0), good);
                break;
            case "500":
                server.Otherwise = FakeReply.ServerError();
                break;
            case "malformed body":
                server.Enqueue(FakeReply.Malformed());
                break;
            case "malformed stream":
                server.Enqueue(FakeReply.Malformed("data: {\"id\":\"chatcmpl-x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"{\\\"rat\n\ndata: {not json at all\n\n"));
                break;
            case "prose instead of JSON":
                server.Enqueue(FakeReply.Text("I would start by looking at the database, then the logs."));
                break;
            case "cut at the token limit":
                server.Enqueue(FakeReply.Text("{\"rationale\": \"Connection failures usually start at the da") with { FinishReason = "length" });
                break;
            case "refusal":
                server.Enqueue(FakeReply.Refusal("I'm sorry, I can't help with that."));
                break;
            case "content filter":
                server.Enqueue(FakeReply.Text("") with { FinishReason = "content_filter" });
                break;
            case "another function":
                server.Enqueue(FakeReply.ToolCall("run_shell", new JsonObject { ["command"] = "psql -c 'select 1'" }));
                break;
            default:
                throw new ArgumentException(failure);
        }
    }

    [Fact]
    public async Task With_nothing_the_agents_can_examine_the_model_is_not_asked()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        var onlyAws = new DiagnosisEnvironment("prod", [Prod.FindTarget("aws")!]);

        var plan = await new LlmPlanner(Options(server), Registry).PlanAsync(Request(), onlyAws, Ct);

        Assert.Equal("rules", plan.Planner);
        Assert.Empty(plan.Assignments);
        Assert.Empty(server.Requests);
        Assert.Empty(plan.LlmCalls);
    }
}
