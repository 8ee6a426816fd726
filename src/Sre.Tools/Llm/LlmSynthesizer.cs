using System.Text.Json.Nodes;
using Sre.Tools.Model;
using Sre.Tools.Secrets;
using Sre.Tools.Synthesis;

namespace Sre.Tools.Llm;

/// <summary>Writes the report through a model, grounded by the rules: the rule-based synthesis runs
/// first and is both the model's cross-check and the fallback. The model ranks hypotheses and writes
/// summary and recommendations; every claim must cite finding ids that exist, or it is dropped.
/// When model and rules name different root causes the notes say so. On any failure — endpoint,
/// unreadable answer, a category outside the API's list, nothing cited — the rules' answer stands.</summary>
public sealed class LlmSynthesizer : ISynthesizer
{
    public const string Name = "llm";

    private const string Instructions = """
        You write the diagnosis of a production incident from the findings that read-only diagnostic agents reported.
        Rank hypotheses: the root cause is the one that explains the reported symptom and that other findings depend on.
        A symptom layer (crash-looping pods, errors at a gateway) points down to its cause (a database refusing connections,
        a dependency down), never the other way round. Severity alone does not rank; what started shortly before the symptom ranks higher.
        Every hypothesis and recommendation must cite the ids of the findings it rests on ("id" fields); a claim citing nothing,
        or an id that is not listed, is discarded. Use only the listed categories. When nothing observed explains the problem,
        make the first hypothesis category "unknown" and say what was checked; never invent a cause.
        Hypotheses from deterministic rules are given as a cross-check: agree or disagree according to the evidence.
        Recommendations are concrete actions with their risk. Name the culprit (application, table, query, pod, dependency).
        """;

    private readonly LlmChat _chat;
    private readonly RuleBasedSynthesizer _rules;

    public LlmSynthesizer(LlmChat chat, RuleBasedSynthesizer rules)
    {
        _chat = chat;
        _rules = rules;
    }

    /// <summary>The usual wiring: the default rules, the process redactor plus <paramref name="redactor"/>.</summary>
    public LlmSynthesizer(LlmOptions options, SecretRedactor? redactor = null)
        : this(new LlmChat(options, new LlmRedaction(redactor)), new RuleBasedSynthesizer()) { }

    public async Task<Synthesis.Synthesis> SynthesizeAsync(SynthesisInput input, CancellationToken cancellationToken)
    {
        var rules = _rules.Synthesize(input);
        try
        {
            return await SynthesizeWithModelAsync(input, rules, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // A bug on this path must not cost the session its report.
            return rules with { Notes = [.. rules.Notes, $"The LLM synthesizer failed ({e.GetType().Name}: {LlmJson.Echo(_chat.Redaction, e.Message, 200)}); the rule-based synthesis is reported."] };
        }
    }

    private async Task<Synthesis.Synthesis> SynthesizeWithModelAsync(SynthesisInput input, Synthesis.Synthesis rules, CancellationToken cancellationToken)
    {
        // Nothing observed: the rules already say so and what ran; there is nothing to ground a model in.
        if (input.Findings.Count == 0) return rules;

        var redaction = _chat.Redaction;
        var ids = input.Findings.Select(f => f.Id).Where(id => id.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var question = new LlmQuestion(
            "synthesis",
            Instructions,
            LlmJson.Write(new JsonObject
            {
                ["problem"] = redaction.Redact(input.Request.Problem),
                ["context"] = LlmPlanner.Context(input.Request, redaction),
                ["agents"] = new JsonArray(input.Agents.Select(a => (JsonNode?)new JsonObject
                {
                    ["agent"] = a.Kind, ["target"] = a.Target, ["state"] = a.State, ["findings"] = a.Findings,
                }).ToArray()),
                ["findings"] = FindingDigest.Build(input.Findings, _chat.Options.ToolOutputTokenBudget, redaction),
                ["ruleHypotheses"] = RuleHypotheses(rules, redaction),
            }),
            SynthesisSchema.Answer,
            "The diagnosis: ranked hypotheses and recommendations, each citing finding ids.",
            SynthesisSchema.Build(ids));

        var answer = await _chat.AskAsync(question, cancellationToken);
        if (!answer.Succeeded)
            return Fallback(rules, answer.Call, $"The model could not write the diagnosis ({answer.Call.Outcome}: {answer.Call.Error}); the rule-based synthesis is reported.");
        return Ground(answer.Json!, answer.Call, rules, ids.ToHashSet(StringComparer.Ordinal), redaction);
    }

    private static Synthesis.Synthesis Ground(JsonObject json, LlmCall call, Synthesis.Synthesis rules, IReadOnlySet<string> known, LlmRedaction redaction)
    {
        var notes = new List<string>();
        var invented = new SortedSet<string>(StringComparer.Ordinal);

        IReadOnlyList<string> Cited(JsonObject claim)
        {
            var cited = LlmJson.Strings(claim, "evidence").Select(s => s.Trim()).Distinct(StringComparer.Ordinal).ToList();
            foreach (var id in cited.Where(id => !known.Contains(id))) invented.Add(LlmJson.Echo(redaction, id, 40));
            return cited.Where(known.Contains).ToList();
        }

        var hypotheses = LlmJson.Objects(json, "hypotheses");
        // An answer with no hypothesis at all is no answer (the rules stand); an explicit "unknown" is one.
        var modelSaysUnknown = hypotheses.Count > 0 && LlmJson.Text(hypotheses[0], "category") == RootCauseCategory.Unknown;
        var firstCategory = hypotheses.Count > 0 ? LlmJson.Text(hypotheses[0], "category") : null;
        if (firstCategory is not null && !SynthesisSchema.Categories.Contains(firstCategory))
            return Fallback(rules, call with { Outcome = LlmOutcome.Invalid },
                $"The model named root-cause category '{LlmJson.Echo(redaction, firstCategory, 60)}', which is not one of the API's categories; the rule-based synthesis is reported.");

        var kept = new List<(RootCause Cause, string? Category)>();
        foreach (var h in hypotheses)
        {
            var category = LlmJson.Text(h, "category");
            var summary = LlmJson.Echo(redaction, LlmJson.Text(h, "summary"), 1000);
            var evidence = Cited(h);
            if (category == RootCauseCategory.Unknown) continue;
            if (evidence.Count == 0)
            {
                notes.Add($"Dropped a model claim that cites no existing finding: \"{LlmJson.Echo(redaction, summary, 120)}\"");
                continue;
            }
            if (category is null || !SynthesisSchema.Categories.Contains(category))
            {
                notes.Add($"The model's category '{LlmJson.Echo(redaction, category, 60)}' is not one of the API's categories; the claim is kept without one.");
                category = null;
            }
            var confidence = Math.Clamp(LlmJson.Number(h, "confidence") ?? 0.5, 0, 1);
            var culprit = LlmJson.Text(h, "culprit") is { Length: > 0 } c ? LlmJson.Echo(redaction, c, 200) : null;
            kept.Add((new RootCause(category ?? RootCauseCategory.Unknown, summary, Math.Round(confidence, 2), evidence) { Culprit = culprit }, category));
        }

        var recommendations = new List<Recommendation>();
        foreach (var r in LlmJson.Objects(json, "recommendations"))
        {
            var action = LlmJson.Echo(redaction, LlmJson.Text(r, "action"), 1000);
            var evidence = Cited(r);
            if (evidence.Count == 0 || action.Length == 0)
            {
                notes.Add($"Dropped a model recommendation that cites no existing finding: \"{LlmJson.Echo(redaction, action, 120)}\"");
                continue;
            }
            var risk = LlmJson.Text(r, "risk")?.ToLowerInvariant() is { } given && SynthesisSchema.Risks.Contains(given) ? given : "medium";
            recommendations.Add(new Recommendation(action, risk, evidence));
        }
        if (invented.Count > 0)
            notes.Add($"Ignored citations of findings that do not exist: {string.Join(", ", invented)}.");

        RootCause root;
        if (modelSaysUnknown)
        {
            // Cited observations stay as contributing factors; the model found nothing that explains the problem.
            var said = hypotheses.Count > 0 ? LlmJson.Echo(redaction, LlmJson.Text(hypotheses[0], "summary"), 1000) : "";
            root = rules.RootCause.Category == RootCauseCategory.Unknown
                ? rules.RootCause
                : new RootCause(RootCauseCategory.Unknown, said.Length > 0 ? said : "No root cause found.", 0, []);
        }
        else if (kept.Count > 0 && kept[0].Category is not null)
        {
            root = kept[0].Cause;
            kept.RemoveAt(0);
        }
        else
        {
            return Fallback(rules, call with { Outcome = LlmOutcome.Invalid },
                "The model's root cause did not survive grounding (no valid category with existing findings cited); the rule-based synthesis is reported.");
        }

        if (recommendations.Count == 0 && rules.Recommendations.Count > 0)
        {
            recommendations.AddRange(rules.Recommendations);
            notes.Add("No model recommendation survived grounding; the rule-based recommendations are given.");
        }
        if (!string.Equals(root.Category, rules.RootCause.Category, StringComparison.Ordinal))
            notes.Add($"Model and rules disagree on the root cause: the model says {root.Category}, the rule-based cross-check says {rules.RootCause.Category} ({LlmJson.Echo(redaction, rules.RootCause.Summary, 200)}).");

        return new Synthesis.Synthesis(
            root,
            kept.Select(k => new ContributingFactor(k.Cause.Summary, k.Cause.Evidence) { Category = k.Category }).ToList(),
            recommendations,
            rules.Checked,
            [.. rules.Notes, .. notes],
            Name)
        {
            LlmCalls = [call],
            CrossCheck = rules.RootCause,
        };
    }

    private static JsonArray RuleHypotheses(Synthesis.Synthesis rules, LlmRedaction redaction)
    {
        var all = new List<(string? Category, string Summary, double? Confidence, IReadOnlyList<string> Evidence)>();
        if (rules.RootCause.Category != RootCauseCategory.Unknown)
            all.Add((rules.RootCause.Category, rules.RootCause.Summary, rules.RootCause.Confidence, rules.RootCause.Evidence));
        all.AddRange(rules.ContributingFactors.Select(f => (f.Category, f.Summary, (double?)null, f.Evidence)));
        return new JsonArray(all.Select(h => (JsonNode?)new JsonObject
        {
            ["category"] = h.Category,
            ["summary"] = redaction.Redact(h.Summary),
            ["confidence"] = h.Confidence,
            ["evidence"] = LlmJson.Array(h.Evidence),
        }).ToArray());
    }

    private static Synthesis.Synthesis Fallback(Synthesis.Synthesis rules, LlmCall call, string why) =>
        rules with { Notes = [.. rules.Notes, why], LlmCalls = [call] };
}
