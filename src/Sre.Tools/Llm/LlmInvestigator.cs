using System.Text.Json.Nodes;
using Sre.Tools.Agents;
using Sre.Tools.Model;
using Sre.Tools.Secrets;

namespace Sre.Tools.Llm;

/// <summary>After findings arrive, asks the model whether more checks would confirm or rule out a
/// cause, within bounded rounds and tokens. Proposals are validated like a plan; checks already
/// run are removed; assignments needing a reference not yet approved are set apart with a
/// narrower access request. A failed call ends the investigation (the session goes on to
/// synthesis with what it has).</summary>
public sealed class LlmInvestigator
{
    /// <summary>Below this many tokens left for findings, another round is not worth asking.</summary>
    public const int MinimumFindingTokens = 500;

    private const string Instructions = """
        You continue a read-only diagnosis of a production incident. The plan so far, the checks already run and their findings are given.
        Propose follow-up checks only when they would confirm or rule out a likely cause the findings point to and that is not covered yet
        (for example the database behind an application's connection errors, or the pods of a service whose logs show failures).
        Do not repeat checks that already ran. Use only target, agent and check names and credential references from the catalog;
        credential is the target's reference or null. When the findings already explain the problem, or nothing more would help,
        answer done = true with no assignments. Never write secrets, SQL or shell commands.
        """;

    private readonly LlmChat _chat;
    private readonly DiagnosticToolRegistry _tools;
    private readonly PlanValidator _validator;

    public LlmInvestigator(LlmChat chat, DiagnosticToolRegistry tools)
    {
        _chat = chat;
        _tools = tools;
        _validator = new PlanValidator(tools, chat.Redaction);
    }

    public LlmInvestigator(LlmOptions options, DiagnosticToolRegistry tools, SecretRedactor? redactor = null)
        : this(new LlmChat(options, new LlmRedaction(redactor)), tools) { }

    public async Task<FollowUp> ProposeAsync(FollowUpRequest input, CancellationToken cancellationToken)
    {
        try
        {
            return await ProposeWithModelAsync(input, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return FollowUp.Finished($"The follow-up investigation failed ({e.GetType().Name}: {LlmJson.Echo(_chat.Redaction, e.Message, 200)}); the diagnosis goes on with what was found.");
        }
    }

    private async Task<FollowUp> ProposeWithModelAsync(FollowUpRequest input, CancellationToken cancellationToken)
    {
        var options = _chat.Options;
        if (input.Round < 1 || input.Round > options.MaxFollowUpRounds)
            return FollowUp.Finished();
        var remaining = options.MaxFollowUpTokens - input.TokensSpent;
        // Leave room for the instructions, catalog and answer; findings get what is left, at most their usual budget.
        var findingBudget = Math.Min(options.ToolOutputTokenBudget, remaining - options.MaxOutputTokens - 1500);
        if (findingBudget < MinimumFindingTokens)
            return FollowUp.Finished($"Follow-up investigation stopped: its token budget ({options.MaxFollowUpTokens}) is spent.");

        var redaction = _chat.Redaction;
        var question = new LlmQuestion(
            "follow-up",
            Instructions,
            LlmJson.Write(new JsonObject
            {
                ["round"] = $"{input.Round} of {options.MaxFollowUpRounds}",
                ["problem"] = redaction.Redact(input.Request.Problem),
                ["context"] = LlmPlanner.Context(input.Request, redaction),
                ["catalog"] = LlmCatalog.Describe(input.Environment, _tools),
                ["alreadyRun"] = new JsonArray(input.Plan.Assignments.Select(a => (JsonNode?)new JsonObject
                {
                    ["agent"] = a.Agent, ["target"] = a.Target, ["checks"] = LlmJson.Array(a.Checks),
                }).ToArray()),
                ["approvedCredentials"] = LlmJson.Array(input.ApprovedReferences.Order(StringComparer.Ordinal)),
                ["findings"] = FindingDigest.Build(input.Findings, findingBudget, redaction),
            }),
            PlanSchema.FollowUpAnswer,
            "Follow-up checks to run, or done.",
            PlanSchema.Build(input.Environment, _tools, followUp: true));

        var answer = await _chat.AskAsync(question, cancellationToken);
        if (!answer.Succeeded)
            return FollowUp.Finished($"The model could not propose follow-up checks ({answer.Call.Outcome}: {answer.Call.Error}); the diagnosis goes on with what was found.", answer.Call);

        var validated = _validator.Validate(answer.Json!, input.Environment);
        var fresh = validated.Assignments.Select(a => WithoutChecksRun(a, input.Plan)).OfType<AgentAssignment>().ToList();
        var approved = input.ApprovedReferences.ToHashSet(StringComparer.Ordinal);
        var ready = fresh.Where(a => a.Credential is null || approved.Contains(a.Credential)).ToList();
        var waiting = fresh.Except(ready).ToList();
        var saysDone = LlmJson.Bool(answer.Json, "done") ?? false;
        return new FollowUp
        {
            Ready = ready,
            NeedsApproval = waiting,
            Access = PlanAccess.Build(waiting, _tools),
            Rationale = LlmJson.Echo(redaction, LlmJson.Text(answer.Json, "rationale"), 600),
            Warnings = validated.Warnings,
            LlmCalls = [answer.Call],
            // Run what was proposed even when the model also says done; just ask no further round.
            Done = saysDone || fresh.Count == 0 || input.Round >= options.MaxFollowUpRounds,
        };
    }

    private static AgentAssignment? WithoutChecksRun(AgentAssignment proposed, DiagnosisPlan plan)
    {
        var run = plan.Assignments.Where(a => string.Equals(a.Key, proposed.Key, StringComparison.OrdinalIgnoreCase))
            .SelectMany(a => a.Checks).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var left = proposed.Checks.Where(c => !run.Contains(c)).ToList();
        return left.Count == 0 ? null : proposed with { Checks = left };
    }
}
