using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Synthesis.Rules;

/// <summary>A statement slow per call, or eating most of the database's time, from pg_stat_statements:
/// names the normalised statement and the role that calls it. When a missing index explains the
/// statement, <see cref="MissingIndexRule"/> ranks above this one.</summary>
public sealed class SlowQueryRule : IRootCauseRule
{
    private const int MaxHypotheses = 3;

    public IEnumerable<Hypothesis> Evaluate(SynthesisInput input)
    {
        var statements = DbFindings.Of(input, PostgresChecks.SlowQueries, PostgresFindingKinds.Statement)
            .Where(f => f.Severity >= Severity.Warning)
            .OrderByDescending(f => f.Number("totalMs") ?? 0)
            .Take(MaxHypotheses);
        foreach (var f in statements)
        {
            var query = SqlText.Show(f.Text("query"), 120);
            var mean = f.Number("meanMs") ?? 0;
            var threshold = f.Number("thresholdMs") ?? 500;
            var role = f.Text("role") ?? "?";
            yield return new Hypothesis
            {
                Category = RootCauseCategory.DbSlowQuery,
                Culprit = query,
                Summary = $"Statement {query} averages {Humanize.Milliseconds(mean)} over {Humanize.Count(f.Number("calls") ?? 0)} calls " +
                          $"({Humanize.Percent(f.Number("shareOfTotal") ?? 0)} of all execution time in the database), called by role '{role}'.",
                Evidence = [f.Id],
                Confidence = DbFindings.Scale(mean, threshold, 0.55, 0.85),
                Explains = [RootCauseCategory.CloudResourceSaturation],
                Recommendations =
                [
                    new($"Run EXPLAIN (ANALYZE, BUFFERS) on {query} with representative parameters (on a replica if possible); add the index its filter needs, rewrite it, or cache its result in the caller (role '{role}').", "low", [f.Id]),
                ],
            };
        }
    }
}
