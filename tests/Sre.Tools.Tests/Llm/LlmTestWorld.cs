using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Sre.Testing.OpenAi;
using Sre.Tools.Agents;
using Sre.Tools.Llm;
using Sre.Tools.Model;

namespace Sre.Tools.Tests.Llm;

/// <summary>The environment the LLM tests plan in: a database, a cluster and logs this server can
/// examine, and a CloudWatch target it cannot (no cloud agent registered).</summary>
internal static class LlmTestWorld
{
    public const string DbReference = "op://Infrastructure/prod-db";
    public const string K8sReference = "op://Infrastructure/k8s-readonly";
    public const string AwsReference = "op://Infrastructure/aws-readonly";

    public static DiagnosticToolRegistry Registry { get; } = new(
    [
        new StubTool(AgentKind.Database, [("reachability", "can the agent log in"), ("connections", "pg_stat_activity by application and state"), ("locks", "blocked sessions and root blockers")]),
        new StubTool(AgentKind.Kubernetes, [("pods", "restarts, OOM kills, waiting reasons"), ("events", "warnings in the namespace")]),
        new StubTool(AgentKind.Logs, [("errors", "error templates, spikes and first failing dependency")]),
    ]);

    public static DiagnosisEnvironment Prod { get; } = new("prod",
    [
        new Target { Name = "prod-db", Kind = TargetKind.Postgres, Credential = DbReference, Settings = new Dictionary<string, string> { ["host"] = "db.internal", ["port"] = "5432" } },
        new Target { Name = "prod-k8s", Kind = TargetKind.Kubernetes, Credential = K8sReference },
        new Target { Name = "app-logs", Kind = TargetKind.Logs },
        new Target { Name = "aws", Kind = TargetKind.CloudWatch, Credential = AwsReference },
    ]);

    public static DiagnosisRequest Request(string problem = "Diagnose the database connection failures in prod") =>
        new(problem, "prod", new Dictionary<string, string> { ["service"] = "checkout-svc" });

    public static LlmOptions Options(FakeOpenAiServer server, Func<LlmOptions, LlmOptions>? configure = null)
    {
        var options = new LlmOptions
        {
            Endpoint = server.Endpoint.ToString(),
            Model = "gpt-test",
            ApiKey = "sk-test-not-a-real-key",
            Timeout = TimeSpan.FromSeconds(20),
            RetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetries = 1,
        };
        return configure is null ? options : configure(options);
    }

    public static JsonObject Assignment(string agent, string target, string[] checks, string? credential, string reason = "Relevant to the symptom") => new()
    {
        ["agent"] = agent,
        ["target"] = target,
        ["checks"] = new JsonArray(checks.Select(c => (JsonNode?)c).ToArray()),
        ["credential"] = credential,
        ["reason"] = reason,
    };

    public static JsonObject Plan(params JsonObject[] assignments) => new()
    {
        ["rationale"] = "Connection failures usually start at the database; the logs show which service fails first.",
        ["assignments"] = new JsonArray(assignments.Cast<JsonNode?>().ToArray()),
    };

    /// <summary>A follow-up answer: a plan plus the model's "done".</summary>
    public static JsonObject WithDone(this JsonObject plan, bool done)
    {
        plan["done"] = done;
        return plan;
    }

    public static Finding Finding(string id, string agent, string target, string check, Severity severity, string title,
        string detail = "", JsonObject? data = null, int minutesAgo = 5) => new()
    {
        Id = id, Agent = agent, Target = target, Check = check, Severity = severity, Title = title, Detail = detail, Data = data,
        At = new DateTimeOffset(2026, 11, 23, 20, 41, 0, TimeSpan.Zero).AddMinutes(-minutesAgo),
    };

    private sealed class StubTool(string agent, (string Name, string Description)[] checks) : IDiagnosticTool
    {
        public string Agent => agent;
        public IReadOnlyList<CheckInfo> Checks { get; } = checks.Select(c => new CheckInfo(c.Name, c.Description)).ToList();

        public async IAsyncEnumerable<Finding> RunAsync(ToolRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.CompletedTask;
            yield break;
        }
    }
}
