using Sre.Testing.OpenAi;
using Sre.Tools.Llm;
using Sre.Tools.Model;
using static Sre.Tools.Tests.Llm.LlmTestWorld;

namespace Sre.Tools.Tests.Llm;

public sealed class LlmInvestigatorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A first plan that only read the logs, which point at the database.</summary>
    private static FollowUpRequest AfterLogs(IReadOnlyCollection<string> approved, int round = 1, int tokensSpent = 0) => new(
        Request("Checkout returns 500s since 20:30"),
        Prod,
        new DiagnosisPlan
        {
            Assignments = [new AgentAssignment("logs", "app-logs", ["errors"], null, "first look")],
            Access = [],
            Planner = "llm",
        },
        [Finding("f-1", "logs", "app-logs", "errors", Severity.Critical, "checkout-svc: 'connection to db.internal:5432 refused' (380 in 10 min)")],
        approved,
        round,
        tokensSpent);

    [Fact]
    public async Task A_follow_up_needing_an_unapproved_reference_asks_for_just_that_reference()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Plan(
            Assignment("database", "prod-db", ["reachability", "connections"], DbReference, "The logs blame the database"),
            Assignment("logs", "app-logs", ["errors"], null, "again")).WithDone(false)).WithUsage(1500, 80));

        var followUp = await new LlmInvestigator(Options(server), Registry).ProposeAsync(AfterLogs(approved: []), Ct);

        Assert.Empty(followUp.Ready); // the logs check already ran
        var waiting = Assert.Single(followUp.NeedsApproval);
        Assert.Equal(("database:prod-db", DbReference), (waiting.Key, waiting.Credential));
        Assert.Equal(["reachability", "connections"], waiting.Checks);
        var access = Assert.Single(followUp.Access);
        Assert.Equal(DbReference, access.Reference);
        Assert.True(followUp.NeedsCredentials);
        Assert.False(followUp.Done);
        Assert.Equal(("follow-up", 1500, 80), (followUp.LlmCalls[0].Purpose, followUp.LlmCalls[0].PromptTokens, followUp.LlmCalls[0].CompletionTokens));

        var material = Assert.Single(server.Requests).Material!;
        Assert.Equal("1 of 2", material["round"]!.GetValue<string>());
        Assert.Equal("errors", material["alreadyRun"]![0]!["checks"]![0]!.GetValue<string>());
        Assert.Equal("f-1", material["findings"]!["findings"]![0]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_follow_up_whose_reference_is_already_approved_is_ready_to_run()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Plan(Assignment("database", "prod-db", ["connections"], DbReference)).WithDone(true)));

        var followUp = await new LlmInvestigator(Options(server), Registry).ProposeAsync(AfterLogs(approved: [DbReference]), Ct);

        Assert.Equal(["database:prod-db"], followUp.Ready.Select(a => a.Key));
        Assert.Empty(followUp.NeedsApproval);
        Assert.Empty(followUp.Access);
        Assert.True(followUp.Done); // the model said it needs nothing after this
    }

    [Fact]
    public async Task Follow_ups_are_validated_like_plans()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Plan(
            Assignment("database", "prod-db", ["connections"], "op://Infrastructure/admin"),
            Assignment("database", "orders-db", ["connections"], null)).WithDone(false)));

        var followUp = await new LlmInvestigator(Options(server), Registry).ProposeAsync(AfterLogs(approved: []), Ct);

        Assert.Empty(followUp.Assignments);
        Assert.Empty(followUp.Access);
        Assert.True(followUp.Done);
        Assert.Contains(followUp.Warnings, w => w.Contains("'op://Infrastructure/admin' is not in the 'prod' catalog"));
        Assert.Contains(followUp.Warnings, w => w.Contains("'orders-db' is not in the 'prod' catalog"));
    }

    [Fact]
    public async Task Rounds_and_tokens_are_bounded_without_asking_the_model()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        var investigator = new LlmInvestigator(Options(server, o => o with { MaxFollowUpRounds = 2, MaxFollowUpTokens = 10_000 }), Registry);

        var pastRounds = await investigator.ProposeAsync(AfterLogs([], round: 3), Ct);
        var pastTokens = await investigator.ProposeAsync(AfterLogs([], round: 1, tokensSpent: 9_000), Ct);

        Assert.True(pastRounds.Done);
        Assert.True(pastTokens.Done);
        Assert.Contains(pastTokens.Warnings, w => w.Contains("token budget"));
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task The_last_allowed_round_is_done_whatever_it_proposes()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Json(Plan(Assignment("kubernetes", "prod-k8s", ["pods"], K8sReference)).WithDone(false)));

        var followUp = await new LlmInvestigator(Options(server), Registry).ProposeAsync(AfterLogs([], round: 2), Ct);

        Assert.Single(followUp.NeedsApproval);
        Assert.True(followUp.Done);
    }

    [Fact]
    public async Task A_failed_follow_up_call_ends_the_investigation_with_a_warning()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ct);
        server.Enqueue(FakeReply.Refusal("I can't help with that."));

        var followUp = await new LlmInvestigator(Options(server), Registry).ProposeAsync(AfterLogs([]), Ct);

        Assert.True(followUp.Done);
        Assert.Empty(followUp.Assignments);
        Assert.Equal(LlmOutcome.Refused, Assert.Single(followUp.LlmCalls).Outcome);
        Assert.Contains(followUp.Warnings, w => w.Contains("could not propose follow-up checks (refused"));
    }
}
