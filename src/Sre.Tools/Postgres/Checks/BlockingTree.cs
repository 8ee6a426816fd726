namespace Sre.Tools.Postgres.Checks;

/// <summary>One root of a blocking tree: a session that blocks others and waits on no lock itself.</summary>
public sealed record BlockingRoot(int Pid, IReadOnlyList<int> DirectWaiters, IReadOnlyList<int> AllWaiters);

/// <summary>Who blocks whom, from pg_blocking_pids of every waiting session. Pure, so tests can
/// feed it shapes that are hard to produce on a live server (chains, several roots, cycles).</summary>
public static class BlockingTree
{
    /// <summary>The root blockers, most waiters first. A waiter behind a chain counts for the root
    /// at the top of it. Members of a pure cycle (a deadlock the server is about to break) have no
    /// root and are left out.</summary>
    public static IReadOnlyList<BlockingRoot> Roots(IReadOnlyDictionary<int, int[]> blockersByWaiter)
    {
        var waitersOf = new Dictionary<int, List<int>>();
        foreach (var (waiter, blockers) in blockersByWaiter)
            foreach (var blocker in blockers.Distinct())
            {
                if (blocker == waiter) continue;
                if (!waitersOf.TryGetValue(blocker, out var list)) waitersOf[blocker] = list = [];
                list.Add(waiter);
            }

        return waitersOf.Keys
            .Where(pid => !blockersByWaiter.ContainsKey(pid))
            .Select(root => new BlockingRoot(root, waitersOf[root].Distinct().Order().ToList(), Descendants(root, waitersOf)))
            .OrderByDescending(r => r.AllWaiters.Count).ThenBy(r => r.Pid)
            .ToList();
    }

    private static List<int> Descendants(int root, Dictionary<int, List<int>> waitersOf)
    {
        var seen = new HashSet<int> { root };
        var queue = new Queue<int>([root]);
        var result = new List<int>();
        while (queue.TryDequeue(out var pid))
        {
            if (!waitersOf.TryGetValue(pid, out var waiters)) continue;
            foreach (var w in waiters)
                if (seen.Add(w)) { result.Add(w); queue.Enqueue(w); }
        }
        result.Sort();
        return result;
    }
}
