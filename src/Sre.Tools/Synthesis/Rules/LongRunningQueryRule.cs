using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Synthesis.Rules;

/// <summary>A statement running far longer than normal: names its application, pid, duration and
/// text, with cancel-then-terminate relief. Statements that are only waiting on a lock are victims
/// (the lock rule names their blocker) and a blocker with waiters is left to the lock rule too.</summary>
public sealed class LongRunningQueryRule : IRootCauseRule
{
    private const int MaxHypotheses = 3;

    public IEnumerable<Hypothesis> Evaluate(SynthesisInput input)
    {
        var blockers = LockContentionRule.BlockerPids(input);
        var queries = DbFindings.Of(input, PostgresChecks.LongRunningQueries, PostgresFindingKinds.Query)
            .Where(f => f.Severity >= Severity.Warning && !f.Flag("waitingOnLock") && !blockers.Contains((long)(f.Number("pid") ?? -1)))
            .OrderByDescending(f => f.Number("durationSeconds") ?? 0)
            .Take(MaxHypotheses);
        foreach (var f in queries)
        {
            var pid = (long)(f.Number("pid") ?? 0);
            var app = f.Who();
            var user = f.Text("user") ?? "?";
            var duration = f.Number("durationSeconds") ?? 0;
            yield return new Hypothesis
            {
                Category = RootCauseCategory.DbLongRunningQuery,
                Culprit = app,
                Summary = $"A statement of application '{app}' (pid {pid}, user '{user}') has been running for {Humanize.Duration(duration)}: {SqlText.Show(f.Text("query"), 160)}",
                Evidence = [f.Id],
                Confidence = f.Severity == Severity.Critical ? 0.8 : 0.62,
                Explains = [RootCauseCategory.CloudResourceSaturation],
                Recommendations =
                [
                    new($"Relief: SELECT pg_cancel_backend({pid}); cancels that statement only. Risk: the statement fails and its transaction rolls back; '{app}' gets an error for this one request.", "low", [f.Id]),
                    new($"If it does not stop: SELECT pg_terminate_backend({pid}); Risk: drops the whole connection of '{app}'.", "medium", [f.Id]),
                    new($"Bound statement time for the role: ALTER ROLE {SqlText.Ident(user)} SET statement_timeout = '30s'; and check the plan of this statement with EXPLAIN.", "low", [f.Id]),
                ],
            };
        }
    }
}
