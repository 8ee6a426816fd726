using Sre.Tools.Agents;
using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Tests.Postgres;

/// <summary>Runs that end before any connection: the tool still answers with one finding saying why.</summary>
public sealed class PostgresToolEdgeTests
{
    private static Target Target => new()
    {
        Name = "prod-db",
        Kind = TargetKind.Postgres,
        Settings = new Dictionary<string, string> { ["host"] = "127.0.0.1", ["port"] = "1", ["database"] = "app" },
    };

    private static async Task<List<Finding>> RunAsync(ToolRun run)
    {
        var findings = new List<Finding>();
        await foreach (var f in new PostgresDiagnostics().RunAsync(run, TestContext.Current.CancellationToken))
            findings.Add(f);
        return findings;
    }

    [Fact]
    public async Task A_target_without_a_credential_is_refused_without_touching_the_environment()
    {
        var finding = Assert.Single(await RunAsync(new ToolRun("s", Target, [], null, DateTimeOffset.UtcNow.AddSeconds(30))));

        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal(ConnectFailure.Other, finding.Text("failure"));
        Assert.Contains("names no credential", finding.Detail);
    }

    [Fact]
    public async Task A_run_whose_deadline_has_passed_reports_that_nothing_was_examined()
    {
        var finding = Assert.Single(await RunAsync(new ToolRun("s", Target, [], null, DateTimeOffset.UtcNow.AddSeconds(-1))));

        Assert.Equal(PostgresFindingKinds.Incomplete, finding.Text("kind"));
        Assert.Equal("deadline", finding.Text("reason"));
    }

    [Fact]
    public void The_tool_serves_the_database_agent_and_lists_every_check()
    {
        var tool = new PostgresDiagnostics();
        Assert.Equal(AgentKind.Database, tool.Agent);
        Assert.Equal(
            ["reachability", "connections", "locks", "long_running_queries", "slow_queries", "index_usage", "table_bloat", "replication", "database_health"],
            tool.Checks.Select(c => c.Name));
    }
}
