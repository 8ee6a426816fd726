using System.Net;
using System.Text.Json;
using Sre.Host.Tests.Api;
using Sre.Host.Tests.ClientCli;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.Hooks;

/// <summary>`sre hook …` as Cursor runs them: Cursor's JSON piped in, JSON and an exit code out,
/// against a running server, a server that is down, and input that is not what Cursor promised.</summary>
public sealed class HookProcessTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private SreTestServer Sre => shared.Sre;
    private readonly string _state = SreCli.TempDirectory("sre-hooks");

    private static string Conversation() => "c-" + Guid.NewGuid().ToString("N")[..12];

    private Task<SreCli.Result> Hook(string hook, string input, string? server = null) =>
        SreCli.RunAsync(SreCli.Environment(server ?? Sre.BaseUrl, _state), input, "hook", hook);

    private async Task<string> WaitingSessionAsync(string? conversation, CancellationToken ct)
    {
        var (response, body) = await Sre.PostAsync("/diagnose", new { problem = "Diagnose the database in prod", environment = "prod", conversationId = conversation }, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = body.GetProperty("sessionId").GetString()!;
        await Sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        return id;
    }

    private async Task<string> PhaseAsync(string id, CancellationToken ct) =>
        (await Sre.GetAsync($"/status/{id}", ct)).Body.GetProperty("phase").GetString()!;

    private async Task<List<JsonElement>> ToolCallRecordsAsync(string id, CancellationToken ct) =>
        (await Sre.GetAsync($"/audit?session={id}", ct)).Body.GetProperty("records").EnumerateArray()
            .Where(r => r.GetProperty("kind").GetString() == "tool_call").ToList();

    // ---- sessionStart ----

    [Fact]
    public async Task Session_start_exports_SRE_URL_and_tells_the_agent_the_environments_and_the_rules()
    {
        var conversation = Conversation();
        var result = await Hook("session-start", CursorInputs.SessionStart(conversation));

        Assert.True(result.Exit == 0, result.ToString());
        var answer = result.Json;
        Assert.Equal(Sre.BaseUrl, answer.GetProperty("env").GetProperty("SRE_URL").GetString());
        Assert.Equal(conversation, answer.GetProperty("env").GetProperty("SRE_CONVERSATION_ID").GetString());
        var context = answer.GetProperty("additional_context").GetString()!;
        Assert.Contains("Environments: prod (prod-db: postgres); staging (staging-db: postgres).", context);
        Assert.Contains($"This conversation's id is \"{conversation}\"", context);
        Assert.Contains("call `approve` only after the user replies approving", context);
        Assert.Contains("Secrets: file:", context);
        // The development secrets file is worth a warning, to the agent and the user.
        Assert.Contains("development only", context);
        Assert.Contains("development only", answer.GetProperty("user_message").GetString());
    }

    [Fact]
    public async Task Session_start_with_the_server_down_still_answers_and_says_so()
    {
        var dead = SreCli.DeadServer();
        var result = await Hook("session-start", CursorInputs.SessionStart(Conversation()), dead);

        Assert.Equal(0, result.Exit);
        var answer = result.Json;
        Assert.Equal(dead, answer.GetProperty("env").GetProperty("SRE_URL").GetString());
        Assert.Contains($"Cannot reach the sre server at {dead} (connection refused)", answer.GetProperty("additional_context").GetString());
        Assert.Contains("sre serve", answer.GetProperty("user_message").GetString());
        SreCli.AssertNoStackTrace(result);
    }

    // ---- beforeSubmitPrompt ----

    [Fact]
    public async Task Before_prompt_lets_the_prompt_through_and_keeps_only_a_fingerprint()
    {
        var conversation = Conversation();
        var result = await Hook("before-prompt", CursorInputs.BeforeSubmitPrompt(conversation, "approve it, the secret word is zebra"));

        Assert.Equal(0, result.Exit);
        Assert.True(result.Json.GetProperty("continue").GetBoolean());
        var files = Directory.GetFiles(_state);
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.DoesNotContain("zebra", File.ReadAllText(f)));
        Assert.All(files, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
    }

    // ---- beforeMCPExecution ----

    [Fact]
    public async Task Other_servers_tools_pass_untouched()
    {
        var ct = TestContext.Current.CancellationToken;
        var result = await Hook("before-mcp", CursorInputs.BeforeMcp(Conversation(), "MCP:github:create_issue", new { title = "x" }, "npx github-mcp"));
        Assert.Equal(0, result.Exit);
        Assert.Equal("allow", result.Json.GetProperty("permission").GetString());
        Assert.False(result.Json.TryGetProperty("user_message", out _));

        // Another server's tool that happens to be called "approve" is not ours either.
        var other = await Hook("before-mcp", CursorInputs.BeforeMcpHttp(Conversation(), "approve", new { pr = 7 }, "https://mcp.example.com/mcp"));
        Assert.Equal(0, other.Exit);
        Assert.Equal("allow", other.Json.GetProperty("permission").GetString());
        await Task.CompletedTask.WaitAsync(ct);
    }

    [Fact]
    public async Task Sre_tool_calls_are_allowed_and_written_to_the_audit_trail()
    {
        var ct = TestContext.Current.CancellationToken;
        var conversation = Conversation();
        var id = await WaitingSessionAsync(conversation, ct);

        var status = await Hook("before-mcp", CursorInputs.BeforeMcp(conversation, "status", new { sessionId = id }));
        Assert.Equal(0, status.Exit);
        Assert.Equal("allow", status.Json.GetProperty("permission").GetString());
        var overHttp = await Hook("before-mcp", CursorInputs.BeforeMcpHttp(conversation, "wait_for_report", new { sessionId = id }, Sre.BaseUrl + "/mcp"));
        Assert.Equal("allow", overHttp.Json.GetProperty("permission").GetString());

        var records = await ToolCallRecordsAsync(id, ct);
        Assert.Contains(records, r => r.GetProperty("detail").GetString()!.StartsWith("MCP status {\"sessionId\":\"" + id) && r.GetProperty("detail").GetString()!.Contains($"allowed (conversation {conversation})"));
        Assert.Contains(records, r => r.GetProperty("detail").GetString()!.StartsWith("MCP wait_for_report"));
        Assert.All(records, r => Assert.Equal("cursor-hook", r.GetProperty("client").GetString()));
        Assert.Equal("waiting_for_input", await PhaseAsync(id, ct));
        await Sre.PostAsync($"/cancel/{id}", null, ct);
    }

    [Fact]
    public async Task Approve_passes_only_with_the_users_latest_message_as_confirmation()
    {
        var ct = TestContext.Current.CancellationToken;
        var conversation = Conversation();
        var id = await WaitingSessionAsync(conversation, ct);
        string BeforeApprove(string? confirmation, string generation) =>
            CursorInputs.BeforeMcp(conversation, "approve", new { sessionId = id, confirmation }, generation: generation);
        async Task<string> UserSays(string prompt)
        {
            var generation = CursorInputs.NewGeneration();
            await Hook("before-prompt", CursorInputs.BeforeSubmitPrompt(conversation, prompt, generation));
            return generation;
        }

        // No record of anything the user said.
        var unrecorded = await Hook("before-mcp", BeforeApprove($"approve {id}", CursorInputs.NewGeneration()));
        Assert.Equal(2, unrecorded.Exit);
        Assert.Equal("deny", unrecorded.Json.GetProperty("permission").GetString());
        Assert.Contains("no record of your messages", unrecorded.Json.GetProperty("user_message").GetString());

        // The agent makes up an approval the user never typed.
        var turn = await UserSays("Diagnose the database connection failures in prod");
        var invented = await Hook("before-mcp", BeforeApprove($"approve {id}", turn));
        Assert.Equal(2, invented.Exit);
        Assert.Contains("not your latest message", invented.Json.GetProperty("user_message").GetString());
        Assert.Contains("verbatim", invented.Json.GetProperty("agent_message").GetString());

        // No confirmation at all.
        var missing = await Hook("before-mcp", BeforeApprove(null, turn));
        Assert.Equal(2, missing.Exit);
        Assert.Contains("No confirmation", missing.Json.GetProperty("agent_message").GetString());

        // The user's words, but they do not approve.
        turn = await UserSays("don't approve yet");
        var hedged = await Hook("before-mcp", BeforeApprove("don't approve yet", turn));
        Assert.Equal(2, hedged.Exit);
        Assert.Contains("does not read as an approval", hedged.Json.GetProperty("agent_message").GetString());

        // The user approves; the agent quotes them (case, spacing and quotes do not matter).
        turn = await UserSays($"Yes, approve {id}.");
        var otherTurn = await Hook("before-mcp", BeforeApprove($"Yes, approve {id}.", CursorInputs.NewGeneration()));
        Assert.Equal(2, otherTurn.Exit);
        Assert.Contains("not made in reply to your approving message", otherTurn.Json.GetProperty("user_message").GetString());
        var quoted = await Hook("before-mcp", BeforeApprove($"\"yes,  approve {id}\"", turn));
        Assert.True(quoted.Exit == 0, quoted.ToString());
        Assert.Equal("allow", quoted.Json.GetProperty("permission").GetString());

        // The hook only lets the call through; the session still waits for the tool to approve it.
        Assert.Equal("waiting_for_input", await PhaseAsync(id, ct));
        var details = (await ToolCallRecordsAsync(id, ct)).Select(r => r.GetProperty("detail").GetString()!).ToList();
        Assert.Equal(6, details.Count(d => d.StartsWith("MCP approve")));
        Assert.Equal(5, details.Count(d => d.Contains("→ denied:")));
        Assert.Single(details, d => d.Contains("→ allowed"));
        await Sre.PostAsync($"/cancel/{id}", null, ct);
    }

    [Fact]
    public async Task Approving_another_conversations_session_is_denied()
    {
        var ct = TestContext.Current.CancellationToken;
        var owner = Conversation();
        var other = Conversation();
        var id = await WaitingSessionAsync(owner, ct);
        var turn = CursorInputs.NewGeneration();
        await Hook("before-prompt", CursorInputs.BeforeSubmitPrompt(other, $"approve {id}", turn));

        var result = await Hook("before-mcp", CursorInputs.BeforeMcp(other, "MCP:sre:approve", new { sessionId = id, confirmation = $"approve {id}" }, generation: turn));

        Assert.Equal(2, result.Exit);
        Assert.Contains("belongs to another Cursor conversation", result.Json.GetProperty("user_message").GetString());
        await Sre.PostAsync($"/cancel/{id}", null, ct);
    }

    [Fact]
    public async Task With_the_server_down_approve_is_denied_and_everything_else_allowed_with_a_message()
    {
        var dead = SreCli.DeadServer();
        var conversation = Conversation();
        const string id = "s-0123456789ab";
        var turn = CursorInputs.NewGeneration();
        await Hook("before-prompt", CursorInputs.BeforeSubmitPrompt(conversation, $"approve {id}", turn), dead);

        var approve = await Hook("before-mcp", CursorInputs.BeforeMcp(conversation, "approve", new { sessionId = id, confirmation = $"approve {id}" }, generation: turn), dead);
        Assert.Equal(2, approve.Exit);
        Assert.Equal("deny", approve.Json.GetProperty("permission").GetString());
        Assert.Contains($"Cannot reach the sre server at {dead}", approve.Json.GetProperty("user_message").GetString());

        var diagnose = await Hook("before-mcp", CursorInputs.BeforeMcp(conversation, "diagnose", new { problem = "Diagnose prod", environment = "prod" }), dead);
        Assert.Equal(0, diagnose.Exit);
        Assert.Equal("allow", diagnose.Json.GetProperty("permission").GetString());
        Assert.Contains("not in the audit log", diagnose.Json.GetProperty("user_message").GetString());
        SreCli.AssertNoStackTrace(approve);
        SreCli.AssertNoStackTrace(diagnose);
    }

    [Theory]
    [InlineData("this is not json", "allow", 0)]
    [InlineData("", "allow", 0)]
    [InlineData("[1, 2, 3]", "allow", 0)]
    [InlineData("{\"tool_name\": \"approve\", \"tool_input\": {\"sessionId\": ", "deny", 2)]
    [InlineData("{\"hook_event_name\": \"beforeMCPExecution\", \"tool_name\": \"approve\", \"tool_input\": \"{not json\"}", "deny", 2)]
    public async Task Malformed_input_gets_a_valid_safe_answer(string input, string permission, int exit)
    {
        var result = await Hook("before-mcp", input);

        Assert.Equal(exit, result.Exit);
        Assert.Equal(permission, result.Json.GetProperty("permission").GetString());
        Assert.Contains("could not read Cursor's hook input", result.Json.GetProperty("user_message").GetString());
        SreCli.AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Malformed_input_to_the_other_hooks_still_gets_their_shape()
    {
        var start = await Hook("session-start", "{oops");
        Assert.Equal(0, start.Exit);
        Assert.Contains("could not read Cursor's hook input", start.Json.GetProperty("additional_context").GetString());
        Assert.Equal(Sre.BaseUrl, start.Json.GetProperty("env").GetProperty("SRE_URL").GetString());

        var prompt = await Hook("before-prompt", "{oops");
        Assert.True(prompt.Json.GetProperty("continue").GetBoolean());

        var stop = await Hook("stop", "{oops");
        Assert.Equal(0, stop.Exit);
        Assert.Equal("{}", stop.Stdout.Trim());
        SreCli.AssertNoStackTrace(stop);
    }

    // ---- stop / sessionEnd ----

    [Fact]
    public async Task Stop_after_an_aborted_turn_cancels_this_conversations_waiting_sessions_only()
    {
        var ct = TestContext.Current.CancellationToken;
        var conversation = Conversation();
        var mine = new[] { await WaitingSessionAsync(conversation, ct), await WaitingSessionAsync(conversation, ct) };
        var theirs = await WaitingSessionAsync(Conversation(), ct);
        var unbound = await WaitingSessionAsync(null, ct);

        // A turn that completed normally may just have asked the user to approve: nothing is cancelled.
        var completed = await Hook("stop", CursorInputs.Stop(conversation, "completed"));
        Assert.Equal(0, completed.Exit);
        Assert.Equal("{}", completed.Stdout.Trim());
        foreach (var id in mine) Assert.Equal("waiting_for_input", await PhaseAsync(id, ct));

        var aborted = await Hook("stop", CursorInputs.Stop(conversation, "aborted"));
        Assert.Equal(0, aborted.Exit);
        Assert.Equal("{}", aborted.Stdout.Trim());
        foreach (var id in mine)
        {
            var status = await Sre.WaitForPhaseAsync(id, ct, "cancelled");
            Assert.Contains("The Cursor agent stopped (aborted)", status.GetProperty("endReason").GetString());
        }
        Assert.Equal("waiting_for_input", await PhaseAsync(theirs, ct));
        Assert.Equal("waiting_for_input", await PhaseAsync(unbound, ct));
        await Sre.PostAsync($"/cancel/{theirs}", null, ct);
        await Sre.PostAsync($"/cancel/{unbound}", null, ct);
    }

    [Fact]
    public async Task The_end_of_the_conversation_cancels_its_waiting_sessions_and_forgets_its_prompts()
    {
        var ct = TestContext.Current.CancellationToken;
        var conversation = Conversation();
        var id = await WaitingSessionAsync(conversation, ct);
        await Hook("before-prompt", CursorInputs.BeforeSubmitPrompt(conversation, "hello"));
        var before = Directory.GetFiles(_state, "prompts-*").Length;

        var result = await Hook("session-end", CursorInputs.SessionEnd(conversation));

        Assert.Equal(0, result.Exit);
        var status = await Sre.WaitForPhaseAsync(id, ct, "cancelled");
        Assert.Contains("The Cursor conversation ended", status.GetProperty("endReason").GetString());
        Assert.Equal(before - 1, Directory.GetFiles(_state, "prompts-*").Length);
    }

    [Fact]
    public async Task Stop_with_the_server_down_answers_at_once()
    {
        var result = await Hook("stop", CursorInputs.Stop(Conversation(), "aborted"), SreCli.DeadServer());
        Assert.Equal(0, result.Exit);
        Assert.Equal("{}", result.Stdout.Trim());
        Assert.Contains("could not list this conversation's sessions", result.Stderr);
        SreCli.AssertNoStackTrace(result);
    }
}
