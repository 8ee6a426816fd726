using Sre.Tools.Model;

namespace Sre.Tools.Synthesis;

/// <summary>The embedded default synthesizer: expert rules propose hypotheses, the ranker picks the
/// one that explains the symptom, and the rest become contributing factors. With nothing abnormal
/// it says so ("unknown", with what was checked) instead of inventing a cause.</summary>
public sealed class RuleBasedSynthesizer(IEnumerable<IRootCauseRule> rules) : ISynthesizer
{
    public const string Name = "rules";

    public RuleBasedSynthesizer() : this(RootCauseRules.All) { }

    public Task<Synthesis> SynthesizeAsync(SynthesisInput input, CancellationToken cancellationToken) =>
        Task.FromResult(Synthesize(input));

    public Synthesis Synthesize(SynthesisInput input)
    {
        var known = input.Findings.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var hypotheses = rules
            .SelectMany(r => r.Evaluate(input))
            // A claim must cite findings that exist.
            .Select(h => h with { Evidence = h.Evidence.Where(known.Contains).Distinct().ToList() })
            .Where(h => h.Evidence.Count > 0)
            .ToList();
        var ranked = HypothesisRanker.Rank(hypotheses, input.Request.Problem);
        var notes = AgentNotes(input.Agents);
        var checkedItems = Checked(input);

        var top = ranked.FirstOrDefault();
        if (top is null || top.Confidence < HypothesisRanker.RootCauseThreshold)
        {
            var summary = input.Findings.Count == 0 && input.Agents.Count == 0
                ? "No root cause found: no agent ran, so nothing was examined."
                : $"No root cause found. Checked: {string.Join("; ", checkedItems)}. Nothing abnormal enough to explain the problem was observed"
                  + (notes.Count > 0 ? " (some agents did not finish; see notes)." : ".");
            return new Synthesis(
                new RootCause(RootCauseCategory.Unknown, summary, 0, []),
                ranked.Select(Factor).ToList(),
                ranked.SelectMany(h => h.Recommendations).ToList(),
                checkedItems, notes, Name);
        }

        var rest = ranked.Skip(1).ToList();
        return new Synthesis(
            new RootCause(top.Category, top.Summary, Math.Round(Math.Min(1, top.Confidence), 2), top.Evidence) { Culprit = top.Culprit },
            rest.Select(Factor).ToList(),
            top.Recommendations.Concat(rest.SelectMany(h => h.Recommendations)).ToList(),
            checkedItems, notes, Name);
    }

    private static ContributingFactor Factor(Hypothesis h) => new(h.Summary, h.Evidence) { Category = h.Category };

    private static List<string> AgentNotes(IEnumerable<AgentSummary> agents) => agents
        .Where(a => a.State is not "completed")
        .Select(a => a.State switch
        {
            "timed_out" => $"The {a.Kind} agent on '{a.Target}' timed out; its checks may be incomplete.",
            "not_approved" => $"The {a.Kind} agent on '{a.Target}' did not run: its credential was not approved.",
            _ => $"The {a.Kind} agent on '{a.Target}' ended {a.State.Replace('_', ' ')}.",
        })
        .ToList();

    private static List<string> Checked(SynthesisInput input) => input.Findings
        .GroupBy(f => (f.Agent, f.Target))
        .Select(g => $"{g.Key.Agent} on '{g.Key.Target}' ({string.Join(", ", g.Select(f => f.Check).Distinct())})")
        .ToList();
}
