using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres.Checks;

/// <summary>Who holds the connection slots: totals against max_connections minus the slots reserved
/// for superusers, by application, user, client address and state, with idle ages and signs of
/// connection churn. Sessions idle inside an open transaction past the threshold get a finding each.</summary>
public sealed class ConnectionsCheck : PostgresCheck
{
    private const string LimitsSql = """
        SELECT current_setting('max_connections')::int8 AS max_connections,
               current_setting('superuser_reserved_connections')::int8 AS reserved
        """;

    private const string ChurnSql = """
        SELECT coalesce(sum(d.sessions), 0)::int8 AS sessions,
               coalesce(sum(d.sessions_abandoned), 0)::int8 AS abandoned,
               coalesce(sum(d.sessions_fatal), 0)::int8 AS fatal,
               coalesce(sum(d.sessions_killed), 0)::int8 AS killed,
               extract(epoch FROM now() - min(coalesce(d.stats_reset, pg_postmaster_start_time())))::float8 AS window_seconds
        FROM pg_stat_database d
        """;

    /// <summary>A connection younger than this counts towards churn.</summary>
    private const double YoungConnectionSeconds = 60;

    /// <summary>Statistics window below which a session rate is not judged.</summary>
    private const double ChurnWindowSeconds = 600;

    public override string Name => PostgresChecks.Connections;

    public override async Task<IReadOnlyList<Finding>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var t = context.Thresholds;
        var limits = await context.Session.SingleAsync(LimitsSql, r => (Max: r.Long("max_connections"), Reserved: r.Long("reserved")), cancellationToken);
        var sessions = await context.Session.QueryAsync(Activity.ClientSessions, Activity.Read, cancellationToken, context.SelfFilter);
        var churn = await context.Session.SingleAsync(ChurnSql, r => (
            Sessions: r.Long("sessions"), Abandoned: r.Long("abandoned"), Fatal: r.Long("fatal"), Killed: r.Long("killed"),
            Window: r.Double("window_seconds")), cancellationToken);

        var findings = new List<Finding> { Usage(context, limits.Max, limits.Reserved, sessions, churn) };
        findings.AddRange(sessions
            .Where(s => s.IdleInTransaction && s.StateAgeSeconds >= t.IdleInTransactionWarning.TotalSeconds)
            .OrderByDescending(s => s.XactAgeSeconds ?? 0)
            .Take(t.TopN)
            .Select(s => IdleInTransaction(context, s)));
        return findings;
    }

    private Finding Usage(CheckContext context, long max, long reserved, List<ActivityRow> sessions,
        (long Sessions, long Abandoned, long Fatal, long Killed, double Window) churn)
    {
        var t = context.Thresholds;
        var usable = Math.Max(1, max - reserved);
        var total = sessions.Count;
        var ratio = (double)total / usable;

        var apps = sessions
            .GroupBy(s => s.ApplicationKey)
            .Select(g => new AppShare(
                g.Key,
                g.LongCount(),
                g.LongCount(s => s.State == "idle"),
                g.LongCount(s => s.IdleInTransaction),
                g.LongCount(s => s.State == "active"),
                g.Where(s => s.State == "idle").Select(s => s.StateAgeSeconds ?? 0).DefaultIfEmpty(0).Max(),
                string.Join(", ", g.Select(s => s.User).Distinct().Order(StringComparer.Ordinal))))
            .OrderByDescending(a => a.Count).ThenBy(a => a.Application, StringComparer.Ordinal)
            .ToList();
        var top = apps.FirstOrDefault();
        var idle = sessions.Where(s => s.State == "idle").ToList();
        var idleInTx = sessions.Where(s => s.IdleInTransaction).ToList();
        var young = sessions.LongCount(s => s.BackendAgeSeconds < YoungConnectionSeconds);
        var perMinute = churn.Window > 0 ? churn.Sessions / (churn.Window / 60) : 0;

        var data = new JsonObject
        {
            ["total"] = (long)total,
            ["max"] = max,
            ["reserved"] = reserved,
            ["usable"] = usable,
            ["usageRatio"] = FindingData.Ratio(ratio),
            ["byApplication"] = FindingData.Counts(apps.Select(a => KeyValuePair.Create(a.Application, a.Count))),
            ["byUser"] = FindingData.Counts(Count(sessions, s => s.User)),
            ["byClientAddress"] = FindingData.Counts(Count(sessions, s => s.Client)),
            ["byState"] = FindingData.Counts(Count(sessions, s => s.State.Length > 0 ? s.State : "unknown")),
            ["topApplication"] = top?.Application,
            ["topApplicationCount"] = top?.Count ?? 0L,
            ["topApplicationIdle"] = top?.Idle ?? 0L,
            ["topApplicationUsers"] = top?.Users,
            ["idle"] = (long)idle.Count,
            ["idleInTransaction"] = (long)idleInTx.Count,
            ["active"] = sessions.LongCount(s => s.State == "active"),
            ["waitingOnClient"] = sessions.LongCount(s => s.State == "active" && s.WaitEventType == "Client"),
            ["oldestIdleSeconds"] = FindingData.Seconds(idle.Select(s => s.StateAgeSeconds ?? 0).DefaultIfEmpty(0).Max()),
            ["oldestIdleInTransactionSeconds"] = FindingData.Seconds(idleInTx.Select(s => s.StateAgeSeconds ?? 0).DefaultIfEmpty(0).Max()),
            ["youngConnections"] = young,
            ["sessionsPerMinute"] = Math.Round(perMinute, 2),
            ["sessionsAbandoned"] = churn.Abandoned,
            ["sessionsFatal"] = churn.Fatal,
            ["sessionsKilled"] = churn.Killed,
            ["applications"] = FindingData.Objects(apps.Take(10).Select(a => new JsonObject
            {
                ["application"] = a.Application,
                ["count"] = a.Count,
                ["idle"] = a.Idle,
                ["idleInTransaction"] = a.IdleInTransaction,
                ["active"] = a.Active,
                ["oldestIdleSeconds"] = FindingData.Seconds(a.OldestIdleSeconds),
                ["users"] = a.Users,
            })),
        };

        var severity = Grade(ratio, t.ConnectionsWarningRatio, t.ConnectionsCriticalRatio);
        var title = $"Connections at {Humanize.Percent(ratio)} of usable slots ({total} of {usable})";
        var detail = new List<string>();
        if (top is not null)
            detail.Add($"Application '{top.Application}' holds {top.Count} ({top.Idle} idle, {top.IdleInTransaction} idle in transaction, {top.Active} active" +
                       (top.Idle > 0 ? $", oldest idle {Humanize.Duration(top.OldestIdleSeconds)})" : ")") + ".");
        detail.Add($"max_connections {max}, {reserved} reserved for superusers" +
                   (total == 0 ? "; no other client sessions." : $"; by state: {string.Join(", ", Count(sessions, s => s.State).OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"))}."));
        // Churn: most connections are new and the whole pool turns over every minute, measured over
        // a window long enough for a rate to mean something.
        var churning = total >= 10 && young * 2 >= total && churn.Window >= ChurnWindowSeconds && perMinute >= total;
        if (churning)
            detail.Add($"{young} of {total} connections are younger than a minute and {perMinute:0.#} sessions start per minute on average: connections are opened and closed instead of pooled.");
        data["churn"] = churning;
        if (churn.Abandoned + churn.Fatal + churn.Killed > 0)
            detail.Add($"Sessions ended abnormally since statistics reset: {churn.Abandoned} abandoned, {churn.Fatal} fatal, {churn.Killed} killed.");
        return NewFinding(context, severity, PostgresFindingKinds.Usage, title, string.Join(" ", detail), data);
    }

    private Finding IdleInTransaction(CheckContext context, ActivityRow s)
    {
        var t = context.Thresholds;
        var idleFor = s.StateAgeSeconds ?? 0;
        var data = s.ToData();
        data["idleSeconds"] = FindingData.Seconds(idleFor);
        return NewFinding(context,
            Grade(idleFor, t.IdleInTransactionWarning.TotalSeconds, t.IdleInTransactionCritical.TotalSeconds),
            PostgresFindingKinds.IdleInTransaction,
            $"Session {s.Pid} of '{s.Who}' idle in transaction for {Humanize.Duration(idleFor)}",
            $"User '{s.User}' from {s.Client}, transaction open for {Humanize.Duration(s.XactAgeSeconds ?? 0)}; last statement: {SqlText.Show(s.Query, 200)}. " +
            "An open transaction holds its locks and keeps vacuum from removing dead rows.",
            data);
    }

    private static IEnumerable<KeyValuePair<string, long>> Count(IEnumerable<ActivityRow> sessions, Func<ActivityRow, string> key) =>
        sessions.GroupBy(key).Select(g => KeyValuePair.Create(g.Key, g.LongCount()));

    private sealed record AppShare(string Application, long Count, long Idle, long IdleInTransaction, long Active, double OldestIdleSeconds, string Users);
}
