using Sre.Testing;
using Sre.Testing.Postgres;
using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Tests.Postgres;

/// <summary>When the agent cannot get a session, that refusal is the evidence: one critical
/// reachability finding with the right failure, an actionable message and never the password.</summary>
public sealed class ReachabilityScenarioTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private const string Problem = "checkout-svc reports database connection failures in prod";

    [Fact]
    public async Task A_closed_port_is_reported_as_unreachable_naming_host_and_port()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "unreach", cancellationToken: ct);
        var closedPort = FreePort.Next();

        var result = await Diagnose.RunAsync(db.Target(port: closedPort), db.MonitorCredential(), Problem, cancellationToken: ct);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal(ConnectFailure.Unreachable, finding.Text("failure"));
        Assert.Equal(closedPort, finding.Number("port"));
        Assert.Contains($"127.0.0.1:{closedPort}", finding.Title);
        Assert.Contains("running and listening", finding.Detail);
        Assert.Equal(RootCauseCategory.DbUnreachable, result.RootCause.Category);
        Assert.Contains($"127.0.0.1:{closedPort}", result.RootCause.Culprit);
        Assert.Equal([finding.Id], result.RootCause.Evidence);
    }

    [Fact]
    public async Task A_wrong_password_is_an_auth_failure_naming_user_and_database_but_not_the_password()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "authfail", cancellationToken: ct);
        const string wrong = "not-the-password-4711";

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(wrong), Problem, cancellationToken: ct);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(ConnectFailure.AuthFailure, finding.Text("failure"));
        Assert.Equal("28P01", finding.Text("sqlstate"));
        Assert.Equal(db.MonitorRole, finding.Text("user"));
        Assert.Contains($"op://Tests/{db.Name}", finding.Detail);
        Assert.Contains("rotated", finding.Detail);
        Assert.Equal(RootCauseCategory.DbAuthFailure, result.RootCause.Category);
        Assert.Contains(db.MonitorRole, result.RootCause.Summary);
        Assert.Contains(db.Name, result.RootCause.Summary);
        Assert.DoesNotContain(wrong, result.ToString());
        Assert.DoesNotContain(wrong, finding.Data!.ToJsonString());
    }

    [Fact]
    public async Task A_database_that_does_not_exist_is_named_with_what_to_fix()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "nodb", cancellationToken: ct);

        var result = await Diagnose.RunAsync(db.Target(database: "orders_archive"), db.MonitorCredential(), Problem, cancellationToken: ct);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(ConnectFailure.DatabaseMissing, finding.Text("failure"));
        Assert.Equal("3D000", finding.Text("sqlstate"));
        Assert.Contains("'orders_archive' does not exist", finding.Title);
        Assert.Contains("Correct the database name", finding.Detail);
        Assert.Equal(RootCauseCategory.DbAuthFailure, result.RootCause.Category);
        Assert.Contains("orders_archive", result.RootCause.Culprit);
    }
}
