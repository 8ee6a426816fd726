using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Synthesis.Rules;

/// <summary>Sessions left idle inside an open transaction, per application: they hold locks and
/// connection slots and keep vacuum from cleaning up. A session that already has waiters behind it
/// is left to <see cref="LockContentionRule"/>, which names it as the blocker.</summary>
public sealed class IdleInTransactionRule : IRootCauseRule
{
    public IEnumerable<Hypothesis> Evaluate(SynthesisInput input)
    {
        var blockers = LockContentionRule.BlockerPids(input);
        var sessions = DbFindings.Of(input, PostgresChecks.Connections, PostgresFindingKinds.IdleInTransaction)
            .Where(f => f.Severity >= Severity.Warning && !blockers.Contains((long)(f.Number("pid") ?? -1)));
        foreach (var group in sessions.GroupBy(f => f.Who()))
        {
            var oldest = group.OrderByDescending(f => f.Number("xactAgeSeconds") ?? 0).First();
            var app = group.Key;
            var pid = (long)(oldest.Number("pid") ?? 0);
            var user = oldest.Text("user") ?? "?";
            var count = group.Count();
            var idle = oldest.Number("idleSeconds") ?? oldest.Number("stateAgeSeconds") ?? 0;
            var xact = oldest.Number("xactAgeSeconds") ?? idle;
            var ids = group.Select(f => f.Id).ToList();

            // A table whose dead rows this session's snapshot keeps vacuum from removing.
            var heldBack = DbFindings.Of(input, PostgresChecks.TableBloat, PostgresFindingKinds.Table)
                .Where(b => b.VacuumHeldBackBy() == pid).ToList();

            yield return new Hypothesis
            {
                Category = RootCauseCategory.DbIdleInTransaction,
                Culprit = app,
                Summary = $"Application '{app}' has left {count} session(s) idle in an open transaction; the oldest, pid {pid} (user '{user}'), " +
                          $"has been idle for {Humanize.Duration(idle)} with its transaction open {Humanize.Duration(xact)}. Last statement: {SqlText.Show(oldest.Text("query"), 160)}",
                Evidence = [.. ids, .. heldBack.Select(b => b.Id)],
                Confidence = Math.Min(0.9, (group.Any(f => f.Severity == Severity.Critical) ? 0.8 : 0.62) + (count > 1 ? 0.05 : 0)),
                Explains = heldBack.Count > 0 ? [RootCauseCategory.DbTableBloat] : [],
                Recommendations =
                [
                    new($"Relief: SELECT pg_terminate_backend({pid}); ends the oldest idle transaction of '{app}'. Risk: its uncommitted work ({Humanize.Duration(xact)} of transaction) is rolled back and the application sees a dropped connection.", "medium", [oldest.Id]),
                    new($"Cap idle transactions for the role: ALTER ROLE {SqlText.Ident(user)} SET idle_in_transaction_session_timeout = '60s'; then fix the code path in '{app}' that does not COMMIT or ROLLBACK.", "low", ids),
                ],
            };
        }
    }
}
