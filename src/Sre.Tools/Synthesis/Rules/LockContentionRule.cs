using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Synthesis.Rules;

/// <summary>Sessions pile up behind a root blocker: names the blocker's application, pid, state,
/// transaction age, relation and waiter count, and the exact relief (cancel or terminate that pid)
/// with its risk. The blocker is the cause; waiters showing up as long-running or slow statements,
/// and the errors they cause upstream, are its symptoms.</summary>
public sealed class LockContentionRule : IRootCauseRule
{
    /// <summary>Waiters from which the pile-up also explains a full connection pool.</summary>
    private const int WaitersThatExhaustPools = 5;

    /// <summary>A blocker finding this rule turns into a hypothesis (other rules defer to it for that pid).</summary>
    public static bool IsPileUp(Finding f) =>
        f.Check == PostgresChecks.Locks && f.Text("kind") == PostgresFindingKinds.Blocker
        && f.Severity >= Severity.Warning && f.Number("waiters") >= 1;

    /// <summary>Pids of root blockers with a pile-up behind them.</summary>
    public static IReadOnlySet<long> BlockerPids(SynthesisInput input) =>
        input.Findings.Where(IsPileUp).Select(f => (long)(f.Number("pid") ?? -1)).ToHashSet();

    public IEnumerable<Hypothesis> Evaluate(SynthesisInput input)
    {
        foreach (var f in input.Findings.Where(IsPileUp))
        {
            var pid = (long)(f.Number("pid") ?? 0);
            var app = f.Who();
            var user = f.Text("user") ?? "?";
            var state = f.Text("state") ?? "";
            var idleInTx = state.StartsWith("idle in transaction", StringComparison.Ordinal);
            var waiters = (long)(f.Number("waiters") ?? 0);
            var relation = f.Text("relation");
            var xactAge = f.Number("xactAgeSeconds") ?? 0;
            var longest = f.Number("longestWaitSeconds") ?? 0;
            var waiterApps = f.Keys("waiterApplications");
            var waiterPids = f.Longs("waiterPids").ToHashSet();

            var stateText = idleInTx ? $"idle in transaction for {Humanize.Duration(f.Number("stateAgeSeconds") ?? 0)}"
                : state == "active" ? $"running a statement for {Humanize.Duration(f.Number("queryAgeSeconds") ?? 0)}"
                : state.Length > 0 ? state : "gone";
            var on = relation is null ? "" : $" on {relation}";

            // The waiters' own findings are evidence of the same pile-up.
            var related = input.Findings.Where(o =>
                    (o.Check == PostgresChecks.LongRunningQueries && waiterPids.Contains((long)(o.Number("pid") ?? -1)))
                    || (o.Check == PostgresChecks.Connections && o.Text("kind") == PostgresFindingKinds.IdleInTransaction && o.Number("pid") == pid))
                .Select(o => o.Id);

            var explains = new List<string>
            {
                RootCauseCategory.DbSlowQuery, RootCauseCategory.DbLongRunningQuery,
                RootCauseCategory.LogsErrorSpike, RootCauseCategory.LogsDependencyFailure,
            };
            if (waiters >= WaitersThatExhaustPools) explains.Add(RootCauseCategory.DbConnectionExhaustion);

            var recommendations = new List<Recommendation>();
            if (idleInTx)
            {
                recommendations.Add(new($"Relief: SELECT pg_terminate_backend({pid}); ends the idle-in-transaction session of '{app}' (user '{user}') that {waiters} session(s) wait behind. " +
                                        $"Risk: its open transaction ({Humanize.Duration(xactAge)} old) is rolled back and '{app}' sees a dropped connection; pg_cancel_backend({pid}) would not help, the session is not running a statement.",
                    "medium", [f.Id]));
                recommendations.Add(new($"Lasting fix: find the code path in '{app}' that leaves its transaction open (a missing COMMIT/ROLLBACK, remote calls inside a transaction) and cap it: ALTER ROLE {SqlText.Ident(user)} SET idle_in_transaction_session_timeout = '60s';",
                    "low", [f.Id]));
            }
            else
            {
                recommendations.Add(new($"Relief: SELECT pg_cancel_backend({pid}); cancels the blocking statement of '{app}' (user '{user}'). Risk: that statement fails and its transaction rolls back. " +
                                        $"If the session stays, SELECT pg_terminate_backend({pid}); (drops its connection).",
                    "medium", [f.Id]));
                recommendations.Add(new($"Lasting fix: shorten the transactions of '{app}'{on}, take locks in a consistent order, and avoid long statements holding row locks.", "low", [f.Id]));
            }
            if (waiterApps.Count > 0)
                recommendations.Add(new($"Let waiters fail fast instead of piling up: set lock_timeout for {string.Join(", ", waiterApps.Select(a => $"'{a}'"))} (e.g. SET lock_timeout = '5s' in their sessions or per role).", "low", [f.Id]));

            yield return new Hypothesis
            {
                Category = RootCauseCategory.DbLockContention,
                Culprit = app,
                Summary = $"Session {pid} of application '{app}' (user '{user}', {stateText}, transaction open {Humanize.Duration(xactAge)}) holds a lock{on} " +
                          $"that {waiters} session(s) wait behind (longest wait {Humanize.Duration(longest)}); its last statement: {SqlText.Show(f.Text("query"), 160)}",
                Evidence = [f.Id, .. related],
                Confidence = Math.Min(0.95, 0.7 + 0.05 * Math.Min(waiters, 4) + (f.Severity == Severity.Critical ? 0.05 : 0)),
                Explains = explains,
                Recommendations = recommendations,
            };
        }
    }
}
