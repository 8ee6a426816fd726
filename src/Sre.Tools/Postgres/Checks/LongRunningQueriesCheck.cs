using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres.Checks;

/// <summary>Statements that have been running longer than the threshold, longest first. A statement
/// that is only waiting on a lock is marked as such: it is a victim, the locks check names the cause.</summary>
public sealed class LongRunningQueriesCheck : PostgresCheck
{
    private const string Sql = Activity.ClientSessions + """

          AND a.state = 'active'
          AND a.query_start < now() - make_interval(secs => @min)
        ORDER BY a.query_start
        """;

    public override string Name => PostgresChecks.LongRunningQueries;

    public override async Task<IReadOnlyList<Finding>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var t = context.Thresholds;
        var rows = await context.Session.QueryAsync(Sql, Activity.Read, cancellationToken,
            [.. context.SelfFilter, ("min", t.LongRunningQueryWarning.TotalSeconds)]);
        if (rows.Count == 0)
            return [NewFinding(context, Severity.Info, PostgresFindingKinds.Summary,
                $"No statement has been running longer than {Humanize.Duration(t.LongRunningQueryWarning.TotalSeconds)}", "",
                new JsonObject { ["count"] = 0L, ["thresholdSeconds"] = t.LongRunningQueryWarning.TotalSeconds })];

        return rows.Take(t.TopN).Select(s =>
        {
            var duration = s.QueryAgeSeconds ?? 0;
            var onLock = s.WaitEventType == "Lock";
            var data = s.ToData();
            data["durationSeconds"] = FindingData.Seconds(duration);
            data["waitingOnLock"] = onLock;
            data["longRunningCount"] = (long)rows.Count;
            return NewFinding(context,
                Grade(duration, t.LongRunningQueryWarning.TotalSeconds, t.LongRunningQueryCritical.TotalSeconds),
                PostgresFindingKinds.Query,
                $"Statement of '{s.Who}' (pid {s.Pid}) running for {Humanize.Duration(duration)}" + (onLock ? ", waiting on a lock" : ""),
                $"User '{s.User}' from {s.Client} on database '{s.Database}'" +
                (s.WaitEventType is null ? ", on CPU" : $", waiting on {s.WaitEventType}/{s.WaitEvent}") +
                $": {SqlText.Show(s.Query, 200)}",
                data);
        }).ToList();
    }
}
