namespace Sre.Tools.Model;

/// <summary>The root-cause categories of the API contract. Grow this list; never rename an entry.</summary>
public static class RootCauseCategory
{
    public const string DbConnectionExhaustion = "db.connection_exhaustion";
    public const string DbLockContention = "db.lock_contention";
    public const string DbIdleInTransaction = "db.idle_in_transaction";
    public const string DbLongRunningQuery = "db.long_running_query";
    public const string DbSlowQuery = "db.slow_query";
    public const string DbMissingIndex = "db.missing_index";
    public const string DbTableBloat = "db.table_bloat";
    public const string DbReplicationLag = "db.replication_lag";
    public const string DbDeadlocks = "db.deadlocks";
    public const string DbUnreachable = "db.unreachable";
    public const string DbAuthFailure = "db.auth_failure";
    public const string K8sCrashLoop = "k8s.crash_loop";
    public const string K8sOomKilled = "k8s.oom_killed";
    public const string K8sImagePull = "k8s.image_pull";
    public const string K8sUnschedulable = "k8s.unschedulable";
    public const string K8sCpuThrottling = "k8s.cpu_throttling";
    public const string K8sMissingConfig = "k8s.missing_config";
    public const string K8sNoEndpoints = "k8s.no_endpoints";
    public const string K8sNetworkPolicy = "k8s.network_policy";
    public const string K8sDiskFull = "k8s.disk_full";
    public const string CloudAlarm = "cloud.alarm";
    public const string CloudResourceSaturation = "cloud.resource_saturation";
    public const string CloudInstanceUnavailable = "cloud.instance_unavailable";
    public const string LogsErrorSpike = "logs.error_spike";
    public const string LogsDependencyFailure = "logs.dependency_failure";
    public const string Unknown = "unknown";
}
