using Sre.Testing.Postgres;
using Sre.Tools.Model;
using Sre.Tools.Postgres;
using Sre.Tools.Synthesis;

namespace Sre.Tools.Tests.Postgres;

public sealed class HealthyDatabaseTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_healthy_database_gets_no_root_cause_and_every_check_reports()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "healthy", cancellationToken: ct);
        await db.ServeIndexedLookupsAsync("checkout-svc", lookups: 50, ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), "checkout is slow and sometimes fails to connect to the database", cancellationToken: ct);

        Assert.True(result.RootCause.Category == RootCauseCategory.Unknown, result.ToString());
        Assert.DoesNotContain(result.Findings, f => f.Severity == Severity.Critical);
        foreach (var check in PostgresChecks.All)
            Assert.True(result.Of(check.Name).Any(), $"no finding from {check.Name}\n{result}");
        Assert.DoesNotContain(result.Findings, f => f.Text("kind") == PostgresFindingKinds.Incomplete);
        Assert.StartsWith("No root cause found", result.RootCause.Summary);
    }
}
