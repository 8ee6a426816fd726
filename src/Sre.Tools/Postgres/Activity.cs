using System.Text.Json.Nodes;
using Npgsql;

namespace Sre.Tools.Postgres;

/// <summary>One backend from pg_stat_activity, as the connections, locks and long-running-query
/// checks all read it.</summary>
public sealed record ActivityRow(
    int Pid,
    string Application,
    string User,
    string Client,
    string? Database,
    string State,
    string BackendType,
    double BackendAgeSeconds,
    double? StateAgeSeconds,
    double? XactAgeSeconds,
    double? QueryAgeSeconds,
    string? WaitEventType,
    string? WaitEvent,
    string Query)
{
    public bool IdleInTransaction => State.StartsWith("idle in transaction", StringComparison.Ordinal);

    /// <summary>How a person names this session's owner: its application, else user and address.</summary>
    public string Who => Application.Length > 0 ? Application : $"user '{User}' from {Client}";

    /// <summary>The application as a statistics key.</summary>
    public string ApplicationKey => Application.Length > 0 ? Application : "(none)";

    public JsonObject ToData()
    {
        var o = new JsonObject
        {
            ["pid"] = (long)Pid,
            ["application"] = Application,
            ["user"] = User,
            ["clientAddress"] = Client,
            ["database"] = Database,
            ["state"] = State,
            ["backendType"] = BackendType,
            ["backendAgeSeconds"] = FindingData.Seconds(BackendAgeSeconds),
            ["query"] = SqlText.Show(Query),
        };
        if (StateAgeSeconds is { } s) o["stateAgeSeconds"] = FindingData.Seconds(s);
        if (XactAgeSeconds is { } x) o["xactAgeSeconds"] = FindingData.Seconds(x);
        if (QueryAgeSeconds is { } q) o["queryAgeSeconds"] = FindingData.Seconds(q);
        if (WaitEventType is not null) o["waitEventType"] = WaitEventType;
        if (WaitEvent is not null) o["waitEvent"] = WaitEvent;
        return o;
    }
}

/// <summary>The pg_stat_activity projection, as constant SQL the checks extend with constant filters.</summary>
public static class Activity
{
    public const string Select = """
        SELECT a.pid, coalesce(a.application_name, '') AS application, coalesce(a.usename::text, '') AS usr,
               coalesce(host(a.client_addr), 'local') AS client, a.datname::text AS datname,
               coalesce(a.state, '') AS state, coalesce(a.backend_type, '') AS backend_type,
               extract(epoch FROM now() - a.backend_start)::float8 AS backend_age,
               extract(epoch FROM now() - a.state_change)::float8 AS state_age,
               extract(epoch FROM now() - a.xact_start)::float8 AS xact_age,
               extract(epoch FROM now() - a.query_start)::float8 AS query_age,
               a.wait_event_type, a.wait_event, left(coalesce(a.query, ''), 2000) AS query
        FROM pg_stat_activity a
        """;

    /// <summary>Client sessions other than the agent's own (needs <see cref="CheckContext.SelfFilter"/>).</summary>
    public const string ClientSessions = Select + """

        WHERE a.backend_type = 'client backend'
          AND NOT (a.pid = ANY(@own))
          AND a.application_name IS DISTINCT FROM @self
        """;

    public static ActivityRow Read(NpgsqlDataReader r) => new(
        r.GetInt32(r.GetOrdinal("pid")),
        r.Text("application") ?? "",
        r.Text("usr") ?? "",
        r.Text("client") ?? "local",
        r.Text("datname"),
        r.Text("state") ?? "",
        r.Text("backend_type") ?? "",
        r.Double("backend_age"),
        r.NullableDouble("state_age"),
        r.NullableDouble("xact_age"),
        r.NullableDouble("query_age"),
        r.Text("wait_event_type"),
        r.Text("wait_event"),
        r.Text("query") ?? "");
}
