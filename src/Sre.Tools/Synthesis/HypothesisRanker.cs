namespace Sre.Tools.Synthesis;

/// <summary>Orders hypotheses so the cause that explains the reported symptom comes first:
/// confidence plus how well the category matches the symptom, then causes before the symptoms
/// they explain. Severity alone never decides.</summary>
public static class HypothesisRanker
{
    /// <summary>Below this, a hypothesis is not offered as a root cause at all.</summary>
    public const double RootCauseThreshold = 0.5;

    public static IReadOnlyList<Hypothesis> Rank(IEnumerable<Hypothesis> hypotheses, string problem)
    {
        var ordered = hypotheses
            .OrderByDescending(h => Score(h, problem))
            .ThenBy(h => h.Category, StringComparer.Ordinal)
            .ToList();

        // A cause must precede every hypothesis it explains: move each explainer ahead of the
        // first thing it explains. Bounded passes guard against cycles in rule declarations.
        for (var pass = 0; pass < ordered.Count; pass++)
        {
            var moved = false;
            for (var i = 1; i < ordered.Count && !moved; i++)
            {
                var cause = ordered[i];
                // Only a credible cause may jump ahead; a weak one must not push a confident
                // hypothesis down and turn the answer into "unknown".
                if (cause.Confidence < RootCauseThreshold) continue;
                var firstExplained = ordered.FindIndex(0, i, h => cause.Explains.Contains(h.Category) && !h.Explains.Contains(cause.Category));
                if (firstExplained >= 0)
                {
                    ordered.RemoveAt(i);
                    ordered.Insert(firstExplained, cause);
                    moved = true;
                }
            }
            if (!moved) break;
        }
        return ordered;
    }

    public static double Score(Hypothesis h, string problem) =>
        h.Confidence + 0.35 * SymptomAffinity.Score(problem, h.Category);
}
