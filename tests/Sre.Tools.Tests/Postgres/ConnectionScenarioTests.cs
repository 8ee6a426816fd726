using Npgsql;
using Sre.Testing.Postgres;
using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Tests.Postgres;

/// <summary>An application's pool holding the server's connection slots (max_connections 20,
/// 3 reserved for superusers, so 17 usable).</summary>
public sealed class ConnectionScenarioTests(SmallServerFixture fixture) : IClassFixture<SmallServerFixture>
{
    private const string Problem = "checkout-svc: database connection failures in prod, too many clients";
    private const int Usable = SmallServerFixture.MaxConnections - 3;

    [Fact]
    public async Task Idle_connections_held_near_the_limit_are_connection_exhaustion_by_the_holding_application()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "exhaust", cancellationToken: ct);
        await db.HoldIdleConnectionsAsync("checkout-svc", Usable - 1, ct);

        // One slot is left: the agent must make do with a single connection for every check.
        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), Problem, cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.DbConnectionExhaustion, result.ToString());
        Assert.Equal("checkout-svc", result.RootCause.Culprit);
        var usage = Assert.Single(result.Of(PostgresChecks.Connections, PostgresFindingKinds.Usage));
        Assert.Equal(Severity.Critical, usage.Severity);
        Assert.Equal(Usable - 1, usage.Number("total"));
        Assert.Equal(Usable, usage.Number("usable"));
        Assert.Equal(3, usage.Number("reserved"));
        Assert.Equal(Usable - 1, usage.Number("topApplicationIdle"));
        Assert.Equal(Usable - 1, usage.Data!["byApplication"]!["checkout-svc"]!.GetValue<long>());
        Assert.Contains(usage.Id, result.RootCause.Evidence);
        Assert.Contains(result.Synthesis.Recommendations, r => r.Action.Contains("pg_terminate_backend") && r.Action.Contains("checkout-svc"));
        // Every check still ran, on the one connection the server would give.
        Assert.DoesNotContain(result.Findings, f => f.Text("kind") == PostgresFindingKinds.Incomplete);
        foreach (var check in PostgresChecks.All)
            Assert.True(result.Of(check.Name).Any(), $"no finding from {check.Name}\n{result}");
    }

    [Fact]
    public async Task When_every_slot_is_taken_the_agents_own_refusal_is_the_evidence()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "full", cancellationToken: ct);
        await db.HoldIdleConnectionsAsync("checkout-svc", Usable, ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), Problem, cancellationToken: ct);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(ConnectFailure.TooManyClients, finding.Text("failure"));
        Assert.Equal(PostgresErrorCodes.TooManyConnections, finding.Text("sqlstate"));
        Assert.Equal(RootCauseCategory.DbConnectionExhaustion, result.RootCause.Category);
        Assert.Contains("refuses new connections", result.RootCause.Summary);
    }
}
