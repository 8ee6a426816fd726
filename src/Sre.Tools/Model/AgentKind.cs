namespace Sre.Tools.Model;

/// <summary>A diagnostic agent family; each has one router pool on runner nodes.</summary>
public static class AgentKind
{
    public const string Database = "database";
    public const string Cloud = "cloud";
    public const string Kubernetes = "kubernetes";
    public const string Logs = "logs";

    public static readonly IReadOnlyList<string> All = [Database, Cloud, Kubernetes, Logs];

    /// <summary>The agent that examines a target of the given kind (postgres → database, …).</summary>
    public static string ForTargetKind(string targetKind) => targetKind.ToLowerInvariant() switch
    {
        TargetKind.Postgres => Database,
        TargetKind.CloudWatch => Cloud,
        TargetKind.Kubernetes => Kubernetes,
        TargetKind.Logs => Logs,
        _ => throw new ArgumentException($"Unknown target kind '{targetKind}'. Known: {string.Join(", ", TargetKind.All)}"),
    };
}

/// <summary>What a catalog target is.</summary>
public static class TargetKind
{
    public const string Postgres = "postgres";
    public const string CloudWatch = "cloudwatch";
    public const string Kubernetes = "kubernetes";
    public const string Logs = "logs";

    public static readonly IReadOnlyList<string> All = [Postgres, CloudWatch, Kubernetes, Logs];
}
