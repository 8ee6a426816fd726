using Sre.Tools.Model;

namespace Sre.Host.Tests.Scenarios;

/// <summary>Targets the agent cannot get a session on: a port nobody listens on, a password the
/// database rejects, a database that does not exist (staged by <see cref="DatabaseIncidents"/>).</summary>
[Collection(DatabaseIncidents.Collection)]
public sealed class ReachabilityScenarios(DatabaseIncidents fixture)
{
    private const string Problem = "checkout-svc reports database connection failures in prod";

    [Fact]
    public async Task A_port_nobody_listens_on_is_unreachable_naming_host_and_port()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("unreachable", Problem, ct);

        report.AssertRootCause(RootCauseCategory.DbUnreachable, $"'{ScenarioCatalog.TargetName("unreachable")}' at 127.0.0.1:{fixture.ClosedPort}");
        report.Recommendation($"at 127.0.0.1:{fixture.ClosedPort} is running and accepting TCP connections");
    }

    [Fact]
    public async Task A_wrong_password_is_an_auth_failure_naming_user_and_database_but_never_the_password()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("wrongpassword", Problem, ct);

        report.AssertRootCause(RootCauseCategory.DbAuthFailure, $"user '{fixture.Reach.MonitorRole}'", $"database '{fixture.Reach.Name}'");
        report.Recommendation($"Verify the password for '{fixture.Reach.MonitorRole}'");
        Assert.DoesNotContain(DatabaseIncidents.WrongPassword, report.Json.GetRawText());
        Assert.DoesNotContain(fixture.Reach.MonitorPassword, report.Json.GetRawText());
    }

    [Fact]
    public async Task A_database_that_does_not_exist_is_an_auth_failure_naming_that_database()
    {
        var ct = TestContext.Current.CancellationToken;

        var report = await fixture.Sre.DiagnoseThroughSessionAsync("nodatabase", Problem, ct);

        report.AssertRootCause(RootCauseCategory.DbAuthFailure, $"Database '{DatabaseIncidents.MissingDatabase}' does not exist");
        report.Recommendation("Correct the database name", DatabaseIncidents.MissingDatabase);
    }
}
