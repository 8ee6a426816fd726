using System.Text.Json;
using Sre.Host.Client;
using Sre.Host.Mcp;

namespace Sre.Host.Hooks;

/// <summary>beforeMCPExecution: every call to an `sre` tool goes to the server's audit trail; an
/// `approve` passes only when its confirmation is an approval (<see cref="ApprovalConfirmation"/>),
/// is the user's latest message in this conversation (recorded by before-prompt), and the session is
/// not another conversation's. Other servers' tools pass untouched. When in doubt about an approve —
/// server down, no record of the user's words — it is denied.</summary>
public static class BeforeMcpHook
{
    public static async Task<HookAnswer> RunAsync(HookContext context)
    {
        var input = context.Input;
        var call = SreToolCall.Recognize(input, context.Server);
        if (call is null) return HookAnswer.Allow();

        var sessionId = input.Argument("sessionId", "session_id");
        var conversation = input.ConversationId;
        HookAnswer decision;
        if (call.IsApprove)
        {
            decision = await CheckApprovalAsync(context, sessionId, input.Argument("confirmation"));
        }
        else
        {
            if (call.IsDiagnose && conversation is not null)
                HandOff(context, conversation);
            decision = call.IsDiagnose && conversation is not null && input.Argument("conversationId", "conversation_id") != conversation
                ? HookAnswer.Allow(agentMessage: $"Pass conversationId \"{conversation}\" to sre tools so this conversation's sessions can be found.")
                : HookAnswer.Allow();
        }

        var allowed = decision.ExitCode == HookAnswer.Allowed;
        var verdict = allowed ? "allowed" : $"denied: {decision.Body["agent_message"]}";
        try
        {
            await context.Client.RecordToolCallAsync($"MCP {call.Tool} {Arguments(input)} → {verdict}", ValidId(sessionId), conversation, context.Deadline);
        }
        catch (SreClientException e)
        {
            if (call.IsApprove && allowed)
                return HookAnswer.Deny($"sre: the approval was not sent because it could not be written to the audit log ({e.Message}).",
                    "The approval could not be audited because the sre server did not answer; it was not sent. Tell the user; retry when the server is back.");
            context.Log.WriteLine($"sre hook before-mcp: could not write the audit record: {e.Message}");
            if (allowed) return HookAnswer.Allow($"sre: this {call.Tool} call is not in the audit log: {e.Message}", decision.Body["agent_message"]?.GetValue<string>());
        }
        return decision;
    }

    private static async Task<HookAnswer> CheckApprovalAsync(HookContext context, string? sessionId, string? confirmation)
    {
        if (string.IsNullOrWhiteSpace(sessionId))
            return Deny("sre: an approve call without a session id was blocked.", "Call `approve` with the sessionId returned by `diagnose`.");
        var verdict = ApprovalConfirmation.Check(confirmation, sessionId);
        if (!verdict.Accepted)
            return Deny($"sre: blocked an approval of {sessionId} that does not carry your approving words.", verdict.Reason);

        var conversation = context.Input.ConversationId;
        if (conversation is null)
            return Deny($"sre: blocked the approval of {sessionId}: Cursor did not say which conversation it came from, so your words cannot be checked.",
                "The approval could not be verified. Ask the user to approve from a terminal: `sre approve " + sessionId + "`.");
        var latest = context.State.LatestPrompt(conversation);
        if (latest is null)
            return Deny($"sre: blocked the approval of {sessionId}: there is no record of your messages in this conversation (is the beforeSubmitPrompt hook `sre hook before-prompt` installed?).",
                "The user's words could not be verified. Ask the user to approve in their next message, or from a terminal with `sre approve " + sessionId + "`.");
        if (latest.Fingerprint != ApprovalConfirmation.Fingerprint(confirmation!))
            return Deny($"sre: blocked the approval of {sessionId}: its confirmation is not your latest message.",
                "`confirmation` must be the user's latest message copied exactly, and that message must approve. Do not paraphrase or reuse " +
                "older messages; ask the user to approve and pass their reply verbatim.");
        // Cursor gives each user message a new generation: the approval must come from the turn that
        // the approving message started, not from a record planted later.
        if (latest.GenerationId is { } promptGeneration && context.Input.GenerationId is { } callGeneration && promptGeneration != callGeneration)
            return Deny($"sre: blocked the approval of {sessionId}: it was not made in reply to your approving message.",
                "Approve only in the turn that the user's approving message started; ask the user again.");

        try
        {
            var status = await context.Client.StatusAsync(sessionId, context.Deadline);
            if (status.ConversationId is { } owner && owner != conversation)
                return Deny($"sre: blocked the approval of {sessionId}: it belongs to another Cursor conversation.",
                    $"Session {sessionId} was started in another conversation; approve it there or with `sre approve {sessionId}`.");
        }
        catch (SreClientException e) when (e.Kind is not SreErrorKind.NotFound)
        {
            return Deny($"sre: blocked the approval of {sessionId}: {e.Message}",
                "The sre server could not be asked about the session, so the approval was not sent. Tell the user; retry when the server answers.");
        }
        return HookAnswer.Allow();
    }

    private static HookAnswer Deny(string userMessage, string agentMessage) => HookAnswer.Deny(userMessage, agentMessage);

    private static void HandOff(HookContext context, string conversation)
    {
        try
        {
            context.State.HandOff(HookState.DiagnoseKey(context.Input.Argument("problem"), context.Input.Argument("environment")), conversation, context.Clock.GetUtcNow());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Log.WriteLine($"sre hook before-mcp: could not hand the conversation id to `sre mcp`: {e.Message}");
        }
    }

    private static string Arguments(HookInput input)
    {
        var json = input.ToolInput is { } ti ? JsonSerializer.Serialize(ti) : "{}";
        return json.Length <= 800 ? json : json[..800] + "…";
    }

    private static string? ValidId(string? id) =>
        id is { Length: >= 3 and <= 64 } && char.IsAsciiLetterOrDigit(id[0]) && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? id : null;
}
