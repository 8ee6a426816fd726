using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres.Checks;

/// <summary>The blocking tree: every session waiting on a lock, who blocks it (pg_blocking_pids),
/// and for each root blocker its application, state, query, transaction age, the relation the
/// waiters queue on and how many sessions wait behind it.</summary>
public sealed class LocksCheck : PostgresCheck
{
    private const string WaitingSql = """
        SELECT a.pid, pg_blocking_pids(a.pid) AS blockers
        FROM pg_stat_activity a
        WHERE a.wait_event_type = 'Lock' AND NOT (a.pid = ANY(@own))
        """;

    private const string SessionsSql = Activity.Select + """

        WHERE a.pid = ANY(@pids)
        """;

    // Relations are named only in the database the agent is connected to (pg_class is per database).
    private const string LocksSql = """
        SELECT l.pid, l.granted, l.mode, l.locktype,
               CASE WHEN c.oid IS NOT NULL THEN n.nspname || '.' || c.relname END AS relation,
               c.relkind::text AS relkind,
               extract(epoch FROM now() - l.waitstart)::float8 AS wait_age
        FROM pg_locks l
        LEFT JOIN pg_class c ON c.oid = l.relation
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE l.pid = ANY(@pids)
        """;

    public override string Name => PostgresChecks.Locks;

    public override async Task<IReadOnlyList<Finding>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var waiting = await context.Session.QueryAsync(WaitingSql, r => (Pid: r.GetInt32(0), Blockers: r.IntArray("blockers")),
            cancellationToken, ("own", context.OwnPids));
        var blocked = waiting.Where(w => w.Blockers.Length > 0).ToDictionary(w => w.Pid, w => w.Blockers);
        var roots = BlockingTree.Roots(blocked);
        if (roots.Count == 0)
            return [NewFinding(context, Severity.Info, PostgresFindingKinds.Summary, "No session is waiting on a lock",
                waiting.Count == 0 ? "pg_stat_activity shows no lock waits." : $"{waiting.Count} session(s) wait on locks without a live blocker (being granted right now).",
                new JsonObject { ["waiting"] = (long)waiting.Count })];

        var pids = blocked.Keys.Concat(blocked.Values.SelectMany(b => b)).Distinct().ToArray();
        var sessions = (await context.Session.QueryAsync(SessionsSql, Activity.Read, cancellationToken, ("pids", pids)))
            .ToDictionary(s => s.Pid);
        var locks = await context.Session.QueryAsync(LocksSql, r => new LockRow(
            r.GetInt32(0), r.Bool("granted"), r.Text("mode") ?? "", r.Text("locktype") ?? "", r.Text("relation"), r.Text("relkind"), r.NullableDouble("wait_age")),
            cancellationToken, ("pids", pids));

        return roots.Take(context.Thresholds.TopN)
            .Select(root => Root(context, root, sessions, locks, blocked.Count))
            .ToList();
    }

    private Finding Root(CheckContext context, BlockingRoot root, Dictionary<int, ActivityRow> sessions, List<LockRow> locks, int totalWaiting)
    {
        var t = context.Thresholds;
        var blocker = sessions.GetValueOrDefault(root.Pid);
        var waiterSet = root.AllWaiters.ToHashSet();
        var waiterLocks = locks.Where(l => waiterSet.Contains(l.Pid)).ToList();
        var pending = waiterLocks.Where(l => !l.Granted).ToList();

        var longestWait = root.AllWaiters
            .Select(w => pending.Where(l => l.Pid == w).Select(l => l.WaitAge).Max() ?? sessions.GetValueOrDefault(w)?.QueryAgeSeconds ?? 0)
            .DefaultIfEmpty(0).Max();
        var relations = Relations(root.Pid, locks, waiterLocks);
        var relation = relations.FirstOrDefault();

        var data = blocker?.ToData() ?? new JsonObject { ["pid"] = (long)root.Pid };
        data["waiters"] = (long)root.AllWaiters.Count;
        data["directWaiters"] = (long)root.DirectWaiters.Count;
        data["waiterPids"] = FindingData.Numbers(root.AllWaiters.Select(p => (long)p));
        data["waiterApplications"] = FindingData.Counts(root.AllWaiters
            .GroupBy(w => sessions.GetValueOrDefault(w)?.ApplicationKey ?? "(unknown)")
            .Select(g => KeyValuePair.Create(g.Key, g.LongCount())));
        data["longestWaitSeconds"] = FindingData.Seconds(longestWait);
        data["relation"] = relation;
        data["relations"] = FindingData.Strings(relations);
        data["waitingLockModes"] = FindingData.Strings(pending.Select(l => l.Mode).Distinct().Order(StringComparer.Ordinal));
        data["totalWaiting"] = (long)totalWaiting;

        var severity =
            longestWait >= t.LockWaitCritical.TotalSeconds || (root.AllWaiters.Count >= t.LockWaitersCritical && longestWait >= t.LockWaitWarning.TotalSeconds)
                ? Severity.Critical
                : longestWait >= t.LockWaitWarning.TotalSeconds ? Severity.Warning : Severity.Info;

        var who = blocker is null ? $"pid {root.Pid}" : $"pid {root.Pid} ('{blocker.Who}', {Describe(blocker)})";
        var on = relation is null ? "" : $" on {relation}";
        var title = $"{who} blocks {root.AllWaiters.Count} session(s){on}";
        var detail = blocker is null
            ? $"The blocker has already gone; {root.AllWaiters.Count} session(s) waited up to {Humanize.Duration(longestWait)}."
            : $"Root blocker: user '{blocker.User}' from {blocker.Client}, {blocker.BackendType}, transaction open for {Humanize.Duration(blocker.XactAgeSeconds ?? 0)}, " +
              $"last statement: {SqlText.Show(blocker.Query, 200)}. {root.DirectWaiters.Count} wait on it directly, {root.AllWaiters.Count} in all; the longest has waited {Humanize.Duration(longestWait)}.";
        return NewFinding(context, severity, PostgresFindingKinds.Blocker, title, detail, data);
    }

    private static string Describe(ActivityRow s) => s.IdleInTransaction
        ? $"{s.State} for {Humanize.Duration(s.StateAgeSeconds ?? 0)}"
        : s.State == "active" ? $"active for {Humanize.Duration(s.QueryAgeSeconds ?? 0)}" : s.State;

    /// <summary>The tables the waiters queue on: first what they wait for directly, then tables the
    /// root holds locks on that the waiters also touch (a row lock wait shows as a transactionid wait).</summary>
    private static List<string> Relations(int root, List<LockRow> all, List<LockRow> waiterLocks)
    {
        static bool IsTable(LockRow l) => l.Relation is not null && l.RelKind is "r" or "p" or "m";
        var direct = waiterLocks.Where(l => !l.Granted && IsTable(l)).Select(l => l.Relation!);
        var rootTables = all.Where(l => l.Pid == root && l.Granted && IsTable(l)).Select(l => l.Relation!).ToHashSet();
        var shared = waiterLocks.Where(l => IsTable(l) && rootTables.Contains(l.Relation!)).Select(l => l.Relation!);
        return direct.Concat(shared)
            .GroupBy(r => r).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).ToList();
    }

    private sealed record LockRow(int Pid, bool Granted, string Mode, string LockType, string? Relation, string? RelKind, double? WaitAge);
}
