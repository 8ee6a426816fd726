using System.Globalization;
using System.Text.RegularExpressions;
using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Host.Tests.Scenarios;

/// <summary>An application's pool holding a server's connection slots (20, 3 reserved for
/// superusers, so 17 usable; staged by <see cref="DatabaseIncidents"/>).</summary>
[Collection(DatabaseIncidents.Collection)]
public sealed class ConnectionScenarios(DatabaseIncidents fixture)
{
    private const string Problem = "checkout-svc: database connection failures in prod, 'sorry, too many clients already'";
    private const int Usable = DatabaseIncidents.SmallServerUsableSlots;

    [Fact]
    public async Task Idle_connections_an_application_holds_near_the_limit_are_connection_exhaustion_naming_that_application()
    {
        var ct = TestContext.Current.CancellationToken;

        // checkout-svc holds all usable slots but one: the agent must make do with that one.
        var report = await fixture.Sre.DiagnoseThroughSessionAsync("exhausted", Problem, ct);

        report.AssertRootCause(RootCauseCategory.DbConnectionExhaustion, "Application 'checkout-svc'", $"{Usable - 1} of {Usable} usable connections");
        var usage = Assert.Single(report.FindingsOf(PostgresChecks.Connections, PostgresFindingKinds.Usage));
        Assert.Equal("critical", usage.GetProperty("severity").GetString());
        Assert.Contains(usage.GetProperty("id").GetString(), report.Evidence);
        // The relief would end some of those connections now: it asks for less idle time than they have.
        var relief = report.Recommendation("pg_terminate_backend(pid)", "WHERE application_name = 'checkout-svc' AND state = 'idle'");
        Assert.Equal("medium", relief.Risk);
        var idleLongerThan = double.Parse(Regex.Match(relief.Action, @"interval '(\d+) seconds'").Groups[1].Value, CultureInfo.InvariantCulture);
        var oldestIdle = usage.GetProperty("data").GetProperty("applications")[0].GetProperty("oldestIdleSeconds").GetDouble();
        Assert.True(idleLongerThan < oldestIdle, $"the relief ends connections idle over {idleLongerThan} s, the oldest is idle {oldestIdle} s\n{report}");
        report.Recommendation("pool size of 'checkout-svc'");
        Assert.DoesNotContain(report.Findings, f => f.GetProperty("data").GetProperty("kind").GetString() == PostgresFindingKinds.Incomplete);
    }

    [Fact]
    public async Task When_the_application_takes_every_slot_the_agents_refused_login_is_connection_exhaustion_of_the_target()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("full", Problem, ct);

        report.AssertRootCause(RootCauseCategory.DbConnectionExhaustion, $"'{ScenarioCatalog.TargetName("full")}' refuses new connections");
        var refused = Assert.Single(report.Findings);
        Assert.Equal(ConnectFailure.TooManyClients, refused.GetProperty("data").GetProperty("failure").GetString());
        report.Recommendation("PgBouncer");
    }
}
