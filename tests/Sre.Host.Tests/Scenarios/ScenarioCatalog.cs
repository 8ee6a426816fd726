using Sre.Host.Tests.Support;
using Sre.Testing.Postgres;

namespace Sre.Host.Tests.Scenarios;

/// <summary>How a scenario database becomes a catalog environment.</summary>
public static class ScenarioCatalog
{
    /// <summary>Adds environment <paramref name="environment"/> with one postgres target, '<paramref name="environment"/>-db',
    /// on the scenario's database; the agent logs in as its monitoring role with the credential
    /// 'op://Scenarios/<paramref name="environment"/>' from the development secrets file.</summary>
    public static TestConfig Scenario(this TestConfig catalog, string environment, ScenarioDatabase db,
        int? port = null, string? database = null, string? password = null) =>
        catalog.Postgres(environment, TargetName(environment), port ?? db.Server.Port, database ?? db.Name,
            Credential(environment), db.MonitorRole, password ?? db.MonitorPassword);

    public static string TargetName(string environment) => environment + "-db";

    public static string Credential(string environment) => $"op://Scenarios/{environment}";
}
