using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres.Checks;

/// <summary>The agent got a session: which server it is, as whom, and whether the role can see
/// other users' sessions (without pg_read_all_stats every other check is half blind). A failed
/// connect is built by <see cref="Failed"/>: one critical finding that names host, port, user and
/// database and says what to do.</summary>
public sealed class ReachabilityCheck : PostgresCheck
{
    private const string Sql = """
        SELECT current_setting('server_version') AS version,
               current_user::text AS usr,
               current_database()::text AS db,
               pg_is_in_recovery() AS in_recovery,
               pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
               extract(epoch FROM now() - pg_postmaster_start_time())::float8 AS uptime
        """;

    public override string Name => PostgresChecks.Reachability;

    /// <summary>Milliseconds the first connect took; set by the tool before running the check.</summary>
    public double ConnectMilliseconds { get; init; }

    public override async Task<IReadOnlyList<Finding>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var facts = await context.Session.SingleAsync(Sql, r => new
        {
            Version = r.Text("version") ?? "?",
            User = r.Text("usr") ?? "?",
            Database = r.Text("db") ?? "?",
            InRecovery = r.Bool("in_recovery"),
            ReadAllStats = r.Bool("read_all_stats"),
            Uptime = r.Double("uptime"),
        }, cancellationToken);

        var data = new JsonObject
        {
            ["host"] = context.Endpoint.Host,
            ["port"] = (long)context.Endpoint.Port,
            ["database"] = facts.Database,
            ["user"] = facts.User,
            ["serverVersion"] = facts.Version,
            ["inRecovery"] = facts.InRecovery,
            ["canReadAllStats"] = facts.ReadAllStats,
            ["uptimeSeconds"] = FindingData.Seconds(facts.Uptime),
            ["connectMs"] = Math.Round(ConnectMilliseconds, 1),
        };
        var role = facts.InRecovery ? "standby" : "primary";
        var title = $"Connected to PostgreSQL {facts.Version} ({role}) at {context.Endpoint.Host}:{context.Endpoint.Port}/{facts.Database} as '{facts.User}'";
        if (facts.ReadAllStats)
            return [NewFinding(context, Severity.Info, PostgresFindingKinds.Connected, title,
                $"Login took {Math.Round(ConnectMilliseconds)} ms; server up for {Humanize.Duration(facts.Uptime)}.", data)];
        return [NewFinding(context, Severity.Warning, PostgresFindingKinds.Connected, title,
            $"Role '{facts.User}' lacks pg_read_all_stats, so other users' sessions, queries and statement texts are hidden from the agent. " +
            $"Grant it read-only monitoring rights: GRANT pg_monitor TO {SqlText.Ident(facts.User)};", data)];
    }

    /// <summary>The one finding for a connection the agent could not get.</summary>
    public static Finding Failed(Target target, string host, int port, string database, string user, ConnectFailureInfo failure)
    {
        var what = failure.Failure switch
        {
            ConnectFailure.Unreachable => $"Cannot reach PostgreSQL at {host}:{port}",
            ConnectFailure.AuthFailure => $"PostgreSQL at {host}:{port} rejected the login of '{user}' to '{database}'",
            ConnectFailure.DatabaseMissing => $"Database '{database}' does not exist on {host}:{port}",
            ConnectFailure.TooManyClients => $"PostgreSQL at {host}:{port} refuses connections: too many clients",
            _ => $"Could not open a session on {host}:{port}/{database}",
        };
        return new Finding
        {
            Agent = AgentKind.Database,
            Target = target.Name,
            Check = PostgresChecks.Reachability,
            Severity = Severity.Critical,
            Title = what,
            Detail = $"{failure.Advice} (error: {failure.Error})",
            Data = new JsonObject
            {
                ["kind"] = PostgresFindingKinds.ConnectFailed,
                ["host"] = host,
                ["port"] = (long)port,
                ["database"] = database,
                ["user"] = user,
                ["failure"] = failure.Failure,
                ["sqlstate"] = failure.SqlState,
                ["error"] = failure.Error,
            },
        };
    }
}
