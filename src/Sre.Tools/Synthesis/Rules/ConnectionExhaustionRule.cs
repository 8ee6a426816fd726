using System.Text.Json.Nodes;
using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Synthesis.Rules;

/// <summary>Connections near the usable limit (max_connections minus reserved slots), naming the
/// application that holds the most and how many of those sit idle.</summary>
public sealed class ConnectionExhaustionRule : IRootCauseRule
{
    public const double DefaultUsageThreshold = 0.8;

    /// <param name="usageThreshold">Share of usable slots in use from which exhaustion is a candidate
    /// cause, in (0, 1]; a deployment whose pools routinely run hot raises it.</param>
    public ConnectionExhaustionRule(double usageThreshold = DefaultUsageThreshold)
    {
        if (!(usageThreshold > 0 && usageThreshold <= 1))
            throw new ArgumentOutOfRangeException(nameof(usageThreshold), usageThreshold, "The usage threshold is a share of usable connection slots, in (0, 1].");
        UsageThreshold = usageThreshold;
    }

    /// <summary>Share of usable slots in use from which exhaustion is a candidate cause.</summary>
    public double UsageThreshold { get; }

    public IEnumerable<Hypothesis> Evaluate(SynthesisInput input)
    {
        foreach (var f in input.Findings.Where(f => f.Check == PostgresChecks.Connections && f.Text("kind") is null or PostgresFindingKinds.Usage))
        {
            var total = f.Number("total");
            var usable = f.Number("usable") ?? f.Number("max");
            if (total is null || usable is null or 0) continue;
            var ratio = total.Value / usable.Value;
            if (ratio < UsageThreshold) continue;

            var app = f.Text("topApplication");
            var appCount = f.Number("topApplicationCount");
            var appIdle = f.Number("topApplicationIdle");
            var culprit = string.IsNullOrEmpty(app) ? null : app;
            var who = culprit is null
                ? $"{total} of {usable} usable connections are in use"
                : $"Application '{culprit}' holds {appCount} of {usable} usable connections" + (appIdle > 0 ? $" ({appIdle} idle)" : "");
            yield return new Hypothesis
            {
                Category = RootCauseCategory.DbConnectionExhaustion,
                Culprit = culprit,
                Summary = $"{who} on '{f.Target}' ({Math.Round(ratio * 100)}% of the limit): new connections are being refused or will be soon.",
                Evidence = [f.Id],
                Confidence = Confidence(ratio),
                Explains = [RootCauseCategory.LogsDependencyFailure, RootCauseCategory.LogsErrorSpike, RootCauseCategory.K8sCrashLoop, RootCauseCategory.CloudResourceSaturation],
                Recommendations = culprit is null
                    ?
                    [
                        new Recommendation("Lower application pool sizes so their sum stays below max_connections, or put PgBouncer in front of the database.", "low", [f.Id]),
                    ]
                    :
                    [
                        Relief(f, culprit),
                        new Recommendation($"Lasting fix: lower the connection pool size of '{culprit}' or fix the leak that keeps connections checked out; consider PgBouncer in transaction mode.", "low", [f.Id]),
                    ],
            };
        }
    }

    /// <summary>Idle connections of the culprit may go: the pool reconnects. Only those idle longer
    /// than half the oldest one observed (at most five minutes), so the statement frees slots now
    /// without cutting a connection the pool just handed back. application_name is set by the
    /// client, so it enters the SQL as a quoted literal.</summary>
    private static Recommendation Relief(Finding f, string culprit)
    {
        var oldestIdle = f.Objects("applications").FirstOrDefault(a => a.Text("application") == culprit)?.Number("oldestIdleSeconds");
        var idleLongerThan = oldestIdle is { } seconds ? Math.Clamp(Math.Floor(seconds / 2), 1, 300) : 300;
        return new Recommendation(
            $"Quick relief: terminate idle connections of '{culprit}' — SELECT pg_terminate_backend(pid) FROM pg_stat_activity " +
            $"WHERE application_name = '{culprit.Replace("'", "''")}' AND state = 'idle' AND state_change < now() - interval '{idleLongerThan:0} seconds';" +
            (oldestIdle is { } observed ? $" (its oldest idle connection had been idle {Humanize.Duration(observed)})." : "") +
            " Risk: the pool reconnects; in-flight work is not affected.",
            "medium", [f.Id]);
    }

    /// <summary>0.6 at the threshold, rising linearly to 0.95 when every usable slot is taken.</summary>
    private double Confidence(double ratio) => UsageThreshold >= 1
        ? 0.95
        : Math.Min(0.95, 0.6 + (ratio - UsageThreshold) * 0.35 / (1 - UsageThreshold));
}
