using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Synthesis.Rules;

/// <summary>Deadlocks recorded by the database. The counter is cumulative, so confidence grows with
/// the count and the rate over the statistics window: one deadlock in a month is not an incident.</summary>
public sealed class DeadlocksRule : IRootCauseRule
{
    public IEnumerable<Hypothesis> Evaluate(SynthesisInput input)
    {
        foreach (var f in DbFindings.Of(input, PostgresChecks.DatabaseHealth, PostgresFindingKinds.Deadlocks))
        {
            var count = f.Number("deadlocks") ?? 0;
            if (count <= 0) continue;
            var perHour = f.Number("deadlocksPerHour") ?? 0;
            var database = f.Text("database") ?? f.Target;
            yield return new Hypothesis
            {
                Category = RootCauseCategory.DbDeadlocks,
                Culprit = $"database '{database}'",
                Summary = $"Database '{database}' recorded {Humanize.Count(count)} deadlock(s) since {Since(f.Text("statsSince"))} ({perHour:0.##} per hour): " +
                          "transactions lock the same rows in different orders and PostgreSQL aborts one of each pair.",
                Evidence = [f.Id],
                Confidence = Math.Min(0.85, 0.35 + 0.2 * Math.Log10(1 + count) + 0.15 * Math.Log10(1 + perHour * 10)),
                Explains = [RootCauseCategory.LogsErrorSpike],
                Recommendations =
                [
                    new("Read the 'deadlock detected' entries in the PostgreSQL log: their DETAIL lines name the statements and relations. Make those transactions lock rows in one consistent order (e.g. ORDER BY id ... FOR UPDATE) and retry on SQLSTATE 40P01.", "low", [f.Id]),
                    new("Set log_lock_waits = on so lock waits longer than deadlock_timeout are logged with both sides.", "low", [f.Id]),
                ],
            };
        }
    }

    private static string Since(string? iso) =>
        DateTimeOffset.TryParse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture)
            : "the statistics reset";
}
