using Sre.Tools.Agents;
using Sre.Tools.Model;
using Sre.Tools.Planning;

namespace Sre.Tools.Tests.Planning;

/// <summary>The embedded default planner on the seed's example problems.</summary>
public sealed class RuleBasedPlannerTests
{
    private sealed class StubTool(string agent, params string[] checks) : IDiagnosticTool
    {
        public string Agent => agent;
        public IReadOnlyList<CheckInfo> Checks => checks.Select(c => new CheckInfo(c, c)).ToList();
        public IAsyncEnumerable<Finding> RunAsync(ToolRun run, CancellationToken cancellationToken) => AsyncEnumerable.Empty<Finding>();
    }

    private static readonly DiagnosticToolRegistry Tools = new(
    [
        new StubTool(AgentKind.Database, "reachability", "connections", "locks"),
        new StubTool(AgentKind.Kubernetes, "pods", "events"),
        new StubTool(AgentKind.Logs, "errors"),
    ]);

    private static readonly DiagnosisEnvironment Prod = new("prod",
    [
        new Target { Name = "prod-db", Kind = TargetKind.Postgres, Credential = "op://Infrastructure/prod-db" },
        new Target { Name = "prod-k8s", Kind = TargetKind.Kubernetes, Credential = "op://Infrastructure/k8s-readonly" },
        new Target { Name = "app-logs", Kind = TargetKind.Logs },
        new Target { Name = "aws", Kind = TargetKind.CloudWatch, Credential = "op://Infrastructure/aws-readonly" },
    ]);

    private static Task<DiagnosisPlan> Plan(string problem) =>
        new RuleBasedPlanner(Tools).PlanAsync(new DiagnosisRequest(problem, "prod"), Prod, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Database_connection_failures_examine_the_database_and_the_logs_with_read_only_access_to_the_database_credential()
    {
        var plan = await Plan("Diagnose the database connection failures in prod");
        Assert.Equal(["database:prod-db", "logs:app-logs"], plan.Assignments.Select(a => a.Key).Order());
        var access = Assert.Single(plan.Access);
        Assert.Equal("op://Infrastructure/prod-db", access.Reference);
        Assert.Equal("read-only", access.Access);
        Assert.Equal([AgentKind.Database], access.Agents);
        Assert.Equal(["reachability", "connections", "locks"], plan.Assignments.Single(a => a.Agent == AgentKind.Database).Checks);
    }

    [Fact]
    public async Task Crash_looping_pods_examine_kubernetes()
    {
        var plan = await Plan("checkout pods are crash looping after the deploy");
        Assert.Contains(plan.Assignments, a => a.Agent == AgentKind.Kubernetes);
        Assert.DoesNotContain(plan.Assignments, a => a.Agent == AgentKind.Database);
    }

    [Fact]
    public async Task A_problem_that_names_no_layer_examines_everything_an_agent_exists_for()
    {
        var plan = await Plan("checkout is broken");
        Assert.Equal(3, plan.Assignments.Count);
        Assert.Contains(plan.Warnings, w => w.Contains("'aws'"));
    }
}
