using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Synthesis.Rules;

/// <summary>When the agent cannot even connect, that failure is the evidence: refused or timed-out
/// TCP means unreachable, a rejected login means the credential is wrong, "too many clients" means
/// the server is out of connection slots.</summary>
public sealed class DatabaseReachabilityRule : IRootCauseRule
{
    public IEnumerable<Hypothesis> Evaluate(SynthesisInput input)
    {
        foreach (var f in input.Findings.Where(f => f.Check == PostgresChecks.Reachability && f.Severity == Severity.Critical))
        {
            var host = $"{f.Text("host")}:{f.Text("port") ?? f.Number("port")?.ToString()}";
            var user = f.Text("user") ?? "?";
            var database = f.Text("database") ?? "?";
            var error = f.Text("error") ?? f.Detail;
            switch (f.Text("failure"))
            {
                case ConnectFailure.Unreachable:
                    yield return new Hypothesis
                    {
                        Category = RootCauseCategory.DbUnreachable,
                        Culprit = host,
                        Summary = $"Database '{f.Target}' at {host} is unreachable: {error}",
                        Evidence = [f.Id],
                        Confidence = 0.95,
                        Explains = [RootCauseCategory.LogsDependencyFailure, RootCauseCategory.LogsErrorSpike, RootCauseCategory.K8sCrashLoop],
                        Recommendations =
                        [
                            new Recommendation($"Check that the database instance at {host} is running and accepting TCP connections (instance status, security groups, DNS).", "low", [f.Id]),
                        ],
                    };
                    break;
                case ConnectFailure.AuthFailure:
                    yield return new Hypothesis
                    {
                        Category = RootCauseCategory.DbAuthFailure,
                        Culprit = $"user '{user}' on database '{database}'",
                        Summary = $"Database '{f.Target}' rejects the login of user '{user}' on database '{database}': {error}",
                        Evidence = [f.Id],
                        Confidence = 0.9,
                        Explains = [RootCauseCategory.LogsDependencyFailure, RootCauseCategory.LogsErrorSpike],
                        Recommendations =
                        [
                            new Recommendation($"Verify the password for '{user}' in the credential item matches the database, and rotate it if it was changed on one side only.", "low", [f.Id]),
                        ],
                    };
                    break;
                case ConnectFailure.DatabaseMissing:
                    yield return new Hypothesis
                    {
                        Category = RootCauseCategory.DbAuthFailure,
                        Culprit = $"database '{database}'",
                        Summary = $"Database '{database}' does not exist on '{f.Target}' ({host}); the connection settings name a database that is not there: {error}",
                        Evidence = [f.Id],
                        Confidence = 0.9,
                        Recommendations =
                        [
                            new Recommendation($"Correct the database name in the target or application configuration, or restore database '{database}' if it was dropped.", "low", [f.Id]),
                        ],
                    };
                    break;
                case ConnectFailure.TooManyClients:
                    yield return new Hypothesis
                    {
                        Category = RootCauseCategory.DbConnectionExhaustion,
                        Culprit = f.Target,
                        Summary = $"Database '{f.Target}' refuses new connections: all connection slots are taken ({error})",
                        Evidence = [f.Id],
                        Confidence = 0.95,
                        Explains = [RootCauseCategory.LogsDependencyFailure, RootCauseCategory.LogsErrorSpike, RootCauseCategory.K8sCrashLoop],
                        Recommendations =
                        [
                            new Recommendation("Find the application holding most connections (pg_stat_activity by application_name) and lower its pool size or restart it; put PgBouncer in front for a lasting fix.", "medium", [f.Id]),
                        ],
                    };
                    break;
            }
        }
    }
}
