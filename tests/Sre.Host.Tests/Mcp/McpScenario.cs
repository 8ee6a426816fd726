using ModelContextProtocol.Client;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.Mcp;

/// <summary>The conversation a Cursor agent has with the tools, the same over stdio and HTTP:
/// diagnose, try to approve without the user's words (refused), approve with them, follow the
/// agents with progress notifications, read the report.</summary>
public static class McpScenario
{
    public static readonly string[] ToolNames = ["approve", "cancel", "deny", "diagnose", "list_sessions", "status", "wait_for_report"];

    public static async Task<string> DiagnoseApproveAndWaitAsync(McpClient client, SreTestServer sre, string conversationId, CancellationToken ct)
    {
        var (diagnoseError, prompt) = await client.CallAsync("diagnose", new()
        {
            ["problem"] = "Diagnose the database connection failures in prod",
            ["environment"] = "prod",
            ["conversationId"] = conversationId,
        }, ct);
        Assert.False(diagnoseError, prompt);
        var id = McpTestClient.SessionId(prompt);
        Assert.Contains($"Session {id} (prod) is waiting for the user's approval", prompt);
        Assert.Contains(TestConfig.ProdDb, prompt);
        Assert.Contains("Never approve on your own", prompt);

        var (noWordsError, noWords) = await client.CallAsync("approve", new() { ["sessionId"] = id }, ct);
        Assert.True(noWordsError, noWords);
        Assert.Contains("Refused", noWords);
        Assert.Contains("confirmation", noWords);

        var (hedgedError, hedged) = await client.CallAsync("approve", new() { ["sessionId"] = id, ["confirmation"] = "don't approve it yet" }, ct);
        Assert.True(hedgedError, hedged);
        Assert.Contains("\"don't\"", hedged);
        Assert.Equal("waiting_for_input", (await sre.GetAsync($"/status/{id}", ct)).Body.GetProperty("phase").GetString());

        var (approveError, approved) = await client.CallAsync("approve", new() { ["sessionId"] = id, ["confirmation"] = $"Yes, approve {id}" }, ct);
        Assert.False(approveError, approved);
        Assert.Contains($"Approved {id} ({TestConfig.ProdDb})", approved);

        var progress = new ProgressLog();
        var (waitError, report) = await client.CallAsync("wait_for_report", new() { ["sessionId"] = id }, ct, progress);
        Assert.False(waitError, report);
        Assert.StartsWith("# Diagnosis: Diagnose the database connection failures in prod", report);
        Assert.Contains("## Root cause", report);

        // The client hands notifications to the handler concurrently: order them by their progress
        // numbers (which the server assigns in stream order), once the last one has been handled.
        var values = await progress.UntilAsync(v => v.Message == "phase: completed", ct);
        var ordered = values.OrderBy(v => v.Progress).ToList();
        Assert.Equal(Enumerable.Range(1, ordered.Count).Select(i => (float)i), ordered.Select(v => v.Progress));
        var messages = ordered.Select(v => v.Message ?? "").ToList();
        Assert.Contains("phase: diagnosing", messages);
        Assert.Contains("agent database on prod-db started", messages);
        Assert.Contains(messages, m => m.StartsWith("finding [", StringComparison.Ordinal) && m.Contains("database/prod-db"));
        Assert.Contains(messages, m => m.StartsWith("agent database on prod-db completed", StringComparison.Ordinal));
        Assert.True(messages.IndexOf("agent database on prod-db started") < messages.FindIndex(m => m.StartsWith("finding [", StringComparison.Ordinal)), string.Join("\n", messages));
        Assert.Equal("phase: completed", messages[^1]);

        var (_, list) = await client.CallAsync("list_sessions", new() { ["conversationId"] = conversationId }, ct);
        Assert.Contains($"Sessions of conversation {conversationId}:", list);
        Assert.Contains($"{id} · completed · prod", list);
        return id;
    }
}
