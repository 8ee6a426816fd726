using System.Text.RegularExpressions;
using Sre.Tools.Model;

namespace Sre.Tools.Synthesis;

/// <summary>How well a category explains the symptom the engineer reported, from the words they
/// used: "connection failures" favours exhaustion, auth and reachability; "slow" favours locks and
/// slow queries. Returns 0..1.</summary>
public static partial class SymptomAffinity
{
    private static readonly (Regex Words, string[] Categories)[] Table =
    [
        (ConnectionWords(), [RootCauseCategory.DbConnectionExhaustion, RootCauseCategory.DbUnreachable, RootCauseCategory.DbAuthFailure, RootCauseCategory.DbIdleInTransaction, RootCauseCategory.CloudResourceSaturation, RootCauseCategory.K8sNetworkPolicy, RootCauseCategory.LogsDependencyFailure]),
        (SlowWords(), [RootCauseCategory.DbLockContention, RootCauseCategory.DbLongRunningQuery, RootCauseCategory.DbSlowQuery, RootCauseCategory.DbMissingIndex, RootCauseCategory.DbTableBloat, RootCauseCategory.DbIdleInTransaction, RootCauseCategory.K8sCpuThrottling, RootCauseCategory.CloudResourceSaturation]),
        (StaleWords(), [RootCauseCategory.DbReplicationLag]),
        (LoginWords(), [RootCauseCategory.DbAuthFailure]),
        (CrashWords(), [RootCauseCategory.K8sCrashLoop, RootCauseCategory.K8sOomKilled, RootCauseCategory.K8sImagePull, RootCauseCategory.K8sMissingConfig, RootCauseCategory.K8sUnschedulable]),
        (ErrorWords(), [RootCauseCategory.LogsErrorSpike, RootCauseCategory.LogsDependencyFailure, RootCauseCategory.K8sNoEndpoints]),
        (DiskWords(), [RootCauseCategory.K8sDiskFull, RootCauseCategory.DbTableBloat]),
        (DeadlockWords(), [RootCauseCategory.DbDeadlocks, RootCauseCategory.DbLockContention]),
    ];

    public static double Score(string problem, string category)
    {
        var hits = Table.Count(row => row.Categories.Contains(category) && row.Words.IsMatch(problem));
        return Math.Min(1.0, hits * 0.6);
    }

    [GeneratedRegex(@"connect\w*|too many clients|refused|pool|exhaust\w*|unavailable|down", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionWords();

    [GeneratedRegex(@"slow\w*|latenc\w*|timeouts?|timing out|hang\w*|stuck|blocked|waiting|degrad\w*|lock\w*", RegexOptions.IgnoreCase)]
    private static partial Regex SlowWords();

    [GeneratedRegex(@"stale|lag\w*|replica\w*|standby|out of date|behind", RegexOptions.IgnoreCase)]
    private static partial Regex StaleWords();

    [GeneratedRegex(@"auth\w*|password|login|credential\w*|permission", RegexOptions.IgnoreCase)]
    private static partial Regex LoginWords();

    [GeneratedRegex(@"crash\w*|restart\w*|oom\w*|killed|pending|not starting|won't start|image", RegexOptions.IgnoreCase)]
    private static partial Regex CrashWords();

    [GeneratedRegex(@"errors?|5\d\d|exceptions?|failures?|failing", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorWords();

    [GeneratedRegex(@"disk|space|storage|full", RegexOptions.IgnoreCase)]
    private static partial Regex DiskWords();

    [GeneratedRegex(@"deadlock\w*", RegexOptions.IgnoreCase)]
    private static partial Regex DeadlockWords();
}
