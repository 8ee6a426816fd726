namespace Sre.Tools.Postgres;

/// <summary>The names of the PostgreSQL agent's checks, shared by the tool and the root-cause rules.</summary>
public static class PostgresChecks
{
    public const string Reachability = "reachability";
    public const string Connections = "connections";
}

/// <summary>Why the agent could not get a session, as the reachability finding's <c>failure</c> field.</summary>
public static class ConnectFailure
{
    public const string Unreachable = "unreachable";
    public const string AuthFailure = "auth_failure";
    public const string DatabaseMissing = "database_missing";
    public const string TooManyClients = "too_many_clients";
    public const string Other = "other";
}
