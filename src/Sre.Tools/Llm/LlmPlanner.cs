using System.Text.Json.Nodes;
using Sre.Tools.Agents;
using Sre.Tools.Model;
using Sre.Tools.Planning;
using Sre.Tools.Secrets;

namespace Sre.Tools.Llm;

/// <summary>Plans through a model: it sees the problem, the context and the catalog (names, kinds,
/// references, agents and checks) and answers with a structured plan, which is then validated
/// against the catalog. Any failure — endpoint down, timeout, 429, 5xx, malformed or refused
/// answer, or a plan that validates to nothing — yields the fallback planner's plan with the
/// reason in <see cref="DiagnosisPlan.Warnings"/>. Agents are chosen by the model only: there are
/// no keyword tables on this path.</summary>
public sealed class LlmPlanner : IPlanner
{
    public const string Name = "llm";

    private const string Instructions = """
        You plan a read-only diagnosis of a production incident for an SRE on call.
        From the catalog, choose which agents to run against which targets, and which of each agent's checks.
        Use only target names, agent names, check names and credential references that appear in the catalog: anything else is discarded.
        For each assignment, credential is the target's credential reference from the catalog, or null when the target has none.
        Prefer what can explain the reported symptom. Include a neighbouring layer when the symptom may start there
        (application errors caused by a database, pods failing because a dependency is down), but leave out targets that cannot matter.
        Give one short reason per assignment. Never write secrets, SQL or shell commands.
        """;

    private readonly LlmChat _chat;
    private readonly DiagnosticToolRegistry _tools;
    private readonly IPlanner _fallback;
    private readonly PlanValidator _validator;

    public LlmPlanner(LlmChat chat, DiagnosticToolRegistry tools, IPlanner fallback)
    {
        _chat = chat;
        _tools = tools;
        _fallback = fallback;
        _validator = new PlanValidator(tools, chat.Redaction);
    }

    /// <summary>The usual wiring: the rule-based planner as fallback, the process redactor plus <paramref name="redactor"/>.</summary>
    public LlmPlanner(LlmOptions options, DiagnosticToolRegistry tools, SecretRedactor? redactor = null)
        : this(new LlmChat(options, new LlmRedaction(redactor)), tools, new RuleBasedPlanner(tools)) { }

    public async Task<DiagnosisPlan> PlanAsync(DiagnosisRequest request, DiagnosisEnvironment environment, CancellationToken cancellationToken)
    {
        try
        {
            return await PlanWithModelAsync(request, environment, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // A bug on this path must not cost the session its plan.
            return await FallbackAsync(request, environment, [],
                [$"The LLM planner failed ({e.GetType().Name}: {LlmJson.Echo(_chat.Redaction, e.Message, 200)}); the rule-based planner planned instead."], cancellationToken);
        }
    }

    private async Task<DiagnosisPlan> PlanWithModelAsync(DiagnosisRequest request, DiagnosisEnvironment environment, CancellationToken cancellationToken)
    {
        if (LlmCatalog.Examinable(environment, _tools).Count == 0)
            return await FallbackAsync(request, environment, [], ["No target in the environment can be examined by this server's agents; the model was not asked."], cancellationToken);

        var question = new LlmQuestion(
            "plan",
            Instructions,
            LlmJson.Write(new JsonObject
            {
                ["problem"] = _chat.Redaction.Redact(request.Problem),
                ["context"] = Context(request, _chat.Redaction),
                ["catalog"] = LlmCatalog.Describe(environment, _tools),
            }),
            PlanSchema.PlanAnswer,
            "The diagnosis plan: which agents run which checks on which targets.",
            PlanSchema.Build(environment, _tools));

        var answer = await _chat.AskAsync(question, cancellationToken);
        if (!answer.Succeeded)
            return await FallbackAsync(request, environment, [answer.Call],
                [$"The model could not plan ({answer.Call.Outcome}: {answer.Call.Error}); the rule-based planner planned instead."], cancellationToken);

        var validated = _validator.Validate(answer.Json!, environment);
        if (validated.Assignments.Count == 0)
            return await FallbackAsync(request, environment, [answer.Call with { Outcome = LlmOutcome.Invalid }],
                [.. validated.Warnings, "The model's plan validated to nothing; the rule-based planner planned instead."], cancellationToken);

        return new DiagnosisPlan
        {
            Assignments = validated.Assignments,
            Access = PlanAccess.Build(validated.Assignments, _tools),
            Rationale = LlmJson.Echo(_chat.Redaction, LlmJson.Text(answer.Json, "rationale"), 600),
            Planner = Name,
            Warnings = [.. validated.Warnings, .. LlmCatalog.Unexaminable(environment, _tools)],
            LlmCalls = [answer.Call],
        };
    }

    /// <summary>Each text is redacted before it is put into JSON: escaping would otherwise hide a
    /// secret containing a quote or a backslash from the final whole-prompt pass.</summary>
    internal static JsonObject Context(DiagnosisRequest request, LlmRedaction redaction)
    {
        var context = new JsonObject();
        foreach (var (key, value) in request.Context ?? new Dictionary<string, string>()) context[redaction.Redact(key)] = redaction.Redact(value);
        return context;
    }

    private async Task<DiagnosisPlan> FallbackAsync(DiagnosisRequest request, DiagnosisEnvironment environment,
        IReadOnlyList<LlmCall> calls, IReadOnlyList<string> why, CancellationToken cancellationToken)
    {
        var plan = await _fallback.PlanAsync(request, environment, cancellationToken);
        return plan with { Warnings = [.. why, .. plan.Warnings], LlmCalls = [.. calls, .. plan.LlmCalls] };
    }
}
