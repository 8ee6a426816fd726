using System.Text.Json;
using Sre.Host.Tests.Api;
using Sre.Host.Tests.ClientCli;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.Mcp;

/// <summary>`sre mcp` as Cursor runs it: a child process speaking MCP on stdin/stdout, calling a
/// running server's REST API.</summary>
public sealed class StdioMcpTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private SreTestServer Sre => shared.Sre;

    [Fact]
    public async Task It_lists_the_tools_and_tells_the_agent_that_approval_is_the_humans()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await McpTestClient.StdioAsync(Sre.BaseUrl, SreCli.Environment(Sre.BaseUrl), ct);

        Assert.Equal("sre", client.ServerInfo?.Name);
        Assert.Contains("let THEM decide", client.ServerInstructions);
        var tools = await client.ListToolsAsync(cancellationToken: ct);
        Assert.Equal(McpScenario.ToolNames, tools.Select(t => t.Name).Order());
        var approve = tools.Single(t => t.Name == "approve");
        Assert.Contains("ONLY call this after the human user has explicitly approved", approve.Description);
        var properties = approve.JsonSchema.GetProperty("properties");
        Assert.True(properties.TryGetProperty("confirmation", out _));
        Assert.True(properties.TryGetProperty("sessionId", out _));
        Assert.Contains("do not approve on your own", tools.Single(t => t.Name == "diagnose").Description);
    }

    [Fact]
    public async Task Diagnose_refused_and_accepted_approvals_and_wait_for_report_with_progress()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await McpTestClient.StdioAsync(Sre.BaseUrl, SreCli.Environment(Sre.BaseUrl), ct);

        var id = await McpScenario.DiagnoseApproveAndWaitAsync(client, Sre, "conv-stdio-" + Guid.NewGuid().ToString("N")[..8], ct);

        var (_, audit) = await Sre.GetAsync($"/audit?session={id}", ct);
        var approval = audit.GetProperty("records").EnumerateArray().Single(r => r.GetProperty("kind").GetString() == "approval");
        Assert.Equal("sre-mcp", approval.GetProperty("client").GetString());
    }

    [Fact]
    public async Task The_conversation_comes_from_the_hooks_hand_off_when_the_agent_omits_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var state = SreCli.TempDirectory("sre-handoff");
        var env = SreCli.Environment(Sre.BaseUrl, state);
        const string problem = "Diagnose replication lag in prod";
        var conversation = "conv-handoff-" + Guid.NewGuid().ToString("N")[..8];
        var hook = await SreCli.RunAsync(env, JsonSerializer.Serialize(new
        {
            hook_event_name = "beforeMCPExecution",
            conversation_id = conversation,
            generation_id = "gen-1",
            tool_name = "diagnose",
            tool_input = JsonSerializer.Serialize(new { problem, environment = "prod" }),
            command = "sre mcp",
        }), "hook", "before-mcp");
        Assert.True(hook.Exit == 0, hook.ToString());

        await using var client = await McpTestClient.StdioAsync(Sre.BaseUrl, env, ct);
        var (_, text) = await client.CallAsync("diagnose", new() { ["problem"] = problem, ["environment"] = "prod" }, ct);
        var id = McpTestClient.SessionId(text);

        var (_, status) = await Sre.GetAsync($"/status/{id}", ct);
        Assert.Equal(conversation, status.GetProperty("conversationId").GetString());
        await Sre.PostAsync($"/cancel/{id}", null, ct);
    }

    [Fact]
    public async Task The_conversation_option_binds_sessions_the_agent_did_not_bind()
    {
        var ct = TestContext.Current.CancellationToken;
        var conversation = "conv-option-" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await McpTestClient.StdioAsync(Sre.BaseUrl, SreCli.Environment(Sre.BaseUrl), ct, "--conversation", conversation);
        var (_, text) = await client.CallAsync("diagnose", new() { ["problem"] = "Diagnose locks in prod", ["environment"] = "prod" }, ct);
        var id = McpTestClient.SessionId(text);

        var (_, list) = await client.CallAsync("list_sessions", new(), ct);
        Assert.Contains($"Sessions of conversation {conversation}:", list);
        Assert.Contains(id, list);
        var (_, status) = await client.CallAsync("status", new() { ["sessionId"] = id }, ct);
        Assert.Contains("waiting for the user's approval", status);
        var (_, denied) = await client.CallAsync("deny", new() { ["sessionId"] = id, ["reason"] = "not now" }, ct);
        Assert.Contains($"Denied {id}; it is now denied.", denied);
        var (_, wait) = await client.CallAsync("wait_for_report", new() { ["sessionId"] = id }, ct);
        Assert.Contains($"Session {id} ended denied", wait);
    }

    [Fact]
    public async Task A_server_that_is_down_is_a_tool_error_naming_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var dead = SreCli.DeadServer();
        await using var client = await McpTestClient.StdioAsync(dead, SreCli.Environment(dead), ct);
        var (isError, text) = await client.CallAsync("diagnose", new() { ["problem"] = "Diagnose prod", ["environment"] = "prod" }, ct);
        Assert.True(isError);
        Assert.Contains($"Cannot reach the sre server at {dead}", text);
        var (unknownError, unknown) = await client.CallAsync("status", new() { ["sessionId"] = "s-000000000000" }, ct);
        Assert.True(unknownError);
        Assert.Contains("Cannot reach", unknown);
    }
}
