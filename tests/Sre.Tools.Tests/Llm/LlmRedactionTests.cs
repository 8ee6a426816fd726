using System.Text.Json;
using System.Text.Json.Nodes;
using Sre.Testing.OpenAi;
using Sre.Tools.Llm;
using Sre.Tools.Model;
using Sre.Tools.Secrets;
using Sre.Tools.Synthesis;
using static Sre.Tools.Tests.Llm.LlmTestWorld;

namespace Sre.Tools.Tests.Llm;

public sealed class LlmRedactionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Quote, backslash, '+' and '<' are escaped in JSON: a redactor run only over the serialized
    // prompt would miss them. The core is what must never appear in any form.
    private const string Core = "c4n4ry7f3a9c";
    private const string Canary = "Pw\"" + Core + "\\+<x";
    private const string Second = "second-secret-d00d";

    [Fact]
    public async Task A_registered_canary_secret_never_reaches_the_model_in_any_request()
    {
        var redactor = new SecretRedactor();
        using var lease = redactor.Register([Canary, Second]);
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        var options = Options(server);
        var request = new DiagnosisRequest($"Login fails since the password was rotated to {Canary}", "prod",
            new Dictionary<string, string> { ["alert"] = $"dsn=postgres://app:{Canary}@db.internal/app" });
        var bigRows = new JsonArray(Enumerable.Range(0, 500).Select(i => (JsonNode?)new JsonObject { ["i"] = i, ["secret"] = Canary }).ToArray());
        Finding[] findings =
        [
            Finding("f-1", "database", "prod-db", "reachability", Severity.Critical, $"Login as app with {Canary} rejected",
                $"FATAL: password authentication failed; tried password={Canary}",
                new JsonObject { ["error"] = $"28P01 for {Canary}", [Canary] = "as a key", [Second] = "another secret as a key", ["rows"] = bigRows }),
            Finding("f-2", "logs", "app-logs", "errors", Severity.Warning, "auth errors", $"connection string Password={Canary};Host=db",
                new JsonObject { ["sample"] = Canary }),
        ];

        server.Enqueue(
            FakeReply.Json(Plan(Assignment("database", "prod-db", ["reachability"], DbReference, $"model echoes {Canary}"))),
            FakeReply.ToolCall("submit_plan", Plan(Assignment("logs", "app-logs", ["errors"], null))),
            FakeReply.Json(Plan(Assignment("kubernetes", "prod-k8s", ["pods"], K8sReference)).WithDone(false)),
            FakeReply.Json(new JsonObject
            {
                ["hypotheses"] = new JsonArray(new JsonObject
                {
                    ["category"] = "db.auth_failure",
                    ["summary"] = $"The app logs in with {Canary}, which the database rejects.",
                    ["culprit"] = "app",
                    ["confidence"] = 0.9,
                    ["evidence"] = new JsonArray("f-1", "f-2"),
                }),
                ["recommendations"] = new JsonArray(),
            }));

        var plan = await new LlmPlanner(options, Registry, redactor).PlanAsync(request, Prod, Ct);
        var streamed = await new LlmPlanner(options with { Streaming = true, AnswerStyle = LlmAnswerStyle.ToolCall }, Registry, redactor).PlanAsync(request, Prod, Ct);
        var followUp = await new LlmInvestigator(options, Registry, redactor).ProposeAsync(
            new FollowUpRequest(request, Prod, plan, findings, [], 1), Ct);
        var synthesis = await new LlmSynthesizer(options, redactor).SynthesizeAsync(
            new SynthesisInput(request, findings, [new AgentSummary("database", "prod-db", "completed", 1, 10)]), Ct);

        Assert.Equal(4, server.Requests.Count);
        Assert.All(new[] { plan.Planner, streamed.Planner, synthesis.Synthesizer }, p => Assert.Equal("llm", p));
        Assert.Single(followUp.NeedsApproval);
        foreach (var recorded in server.Requests)
        {
            Assert.DoesNotContain(Core, recorded.Body);
            Assert.DoesNotContain(Second, recorded.Body);
            Assert.DoesNotContain(Core, JsonSerializer.Deserialize<string>(JsonSerializer.Serialize(recorded.Body))!);
            Assert.Contains(SecretRedactor.Mask, recorded.Prompt);
        }
        // What the model says back is redacted too, before it reaches a plan or a report.
        Assert.DoesNotContain(Core, JsonSerializer.Serialize(plan));
        Assert.DoesNotContain(Core, synthesis.RootCause.Summary);
        Assert.DoesNotContain(Core, string.Join("\n", synthesis.Notes));
    }
}
