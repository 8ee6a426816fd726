using System.ComponentModel;
using System.Text;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Sre.Host.Client;

namespace Sre.Host.Mcp;

/// <summary>The MCP tools, over the REST/SSE API. The same class serves `sre mcp` (stdio) and /mcp
/// on the server; only <see cref="ISreClientSource"/> differs.</summary>
[McpServerToolType]
public sealed class SreMcpTools(ISreClientSource source)
{
    public const string Instructions =
        "SRE incident diagnosis. Call `diagnose` with the user's problem; it returns an approval prompt listing the credentials " +
        "(1Password references, never values) the agents need. Show that prompt to the user and let THEM decide: call `approve` only " +
        "after the user approves in their own words, passing their reply verbatim as `confirmation`; call `deny` if they decline. " +
        "Then call `wait_for_report` to follow the agents (progress notifications) and get the report in Markdown. " +
        "Pass this conversation's id as `conversationId` when you know it.";

    private static readonly TimeSpan PlanWait = TimeSpan.FromSeconds(30);

    [McpServerTool(Name = "diagnose", Title = "Start an SRE diagnosis", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false)]
    [Description("Starts a diagnosis session for a production problem and returns its session id and the approval prompt: which " +
        "credentials the diagnostic agents need and why. Nothing is accessed until the HUMAN approves. Show the prompt to the user " +
        "verbatim and ask them; do not approve on your own.")]
    public Task<CallToolResult> Diagnose(
        [Description("The problem in the user's words, e.g. \"Diagnose the database connection failures in prod\"")] string problem,
        [Description("Environment name, e.g. \"prod\" (optional when the server has only one)")] string? environment = null,
        [Description("Optional context for the planner, e.g. {\"service\": \"checkout-svc\", \"alert\": \"HighErrorRate\"}")] Dictionary<string, string>? context = null,
        [Description("This Cursor conversation's id (from the session context), so the session is bound to this conversation")] string? conversationId = null,
        CancellationToken cancellationToken = default) => Run(async () =>
    {
        using var client = source.Create();
        var conversation = source.ClaimConversation(problem, environment) ?? Bind(conversationId);
        var accepted = await client.DiagnoseAsync(problem, environment, context, conversation, cancellationToken);
        var status = await UntilPlannedAsync(client, accepted.SessionId, cancellationToken);
        if (status.Phase == Phases.WaitingForInput) return SessionText.WaitingForApproval(status);
        return status.IsTerminal
            ? SessionText.Ended(status, null)
            : $"Session {status.SessionId} is {status.Phase}. Call `status` or `wait_for_report` with sessionId \"{status.SessionId}\".";
    });

    [McpServerTool(Name = "approve", Title = "Approve a diagnosis (the user's decision)", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Approves the credential access a session asks for, which lets agents read production systems. ONLY call this after " +
        "the human user has explicitly approved in this conversation. `confirmation` must be the user's reply copied verbatim; it must " +
        "say \"approve\" or name the session with a yes. Calls without it, or with words that do not approve, are refused.")]
    public Task<CallToolResult> Approve(
        [Description("The session id, e.g. s-3f2a9c01d4e7")] string sessionId,
        [Description("The user's approving reply, exactly as they typed it (e.g. \"approve s-3f2a9c01d4e7\")")] string? confirmation = null,
        [Description("Optional subset of the requested references to approve (default: all requested)")] string[]? references = null,
        CancellationToken cancellationToken = default) => Run(async () =>
    {
        var verdict = ApprovalConfirmation.Check(confirmation, sessionId);
        if (!verdict.Accepted) throw new ToolError($"Refused: {verdict.Reason}");
        using var client = source.Create();
        var status = await client.ApproveAsync(sessionId, references is { Length: > 0 } ? references : null, cancellationToken);
        var approval = status.Approvals.LastOrDefault();
        return $"Approved {status.SessionId}{(approval?.References is { Count: > 0 } r ? $" ({string.Join(", ", r)})" : "")}; it is now {status.Phase}. " +
            $"Call `wait_for_report` with sessionId \"{status.SessionId}\" to follow the agents and get the report.";
    });

    [McpServerTool(Name = "deny", Title = "Deny a diagnosis", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Denies the credential access a session asks for; the session ends without touching anything. Call it when the user declines.")]
    public Task<CallToolResult> Deny(
        [Description("The session id")] string sessionId,
        [Description("Why, in the user's words (recorded in the audit trail)")] string? reason = null,
        CancellationToken cancellationToken = default) => Run(async () =>
    {
        using var client = source.Create();
        var status = await client.DenyAsync(sessionId, reason, cancellationToken);
        return $"Denied {status.SessionId}; it is now {status.Phase}. No credential was fetched.";
    });

    [McpServerTool(Name = "status", Title = "Status of a diagnosis", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Where a session stands: phase, agents, finding count, root cause when known, and the approval prompt while it waits.")]
    public Task<CallToolResult> Status([Description("The session id")] string sessionId, CancellationToken cancellationToken = default) => Run(async () =>
    {
        using var client = source.Create();
        var status = await client.StatusAsync(sessionId, cancellationToken);
        return status.Phase == Phases.WaitingForInput ? SessionText.WaitingForApproval(status) : SessionText.Summary(status);
    });

    [McpServerTool(Name = "wait_for_report", Title = "Follow a diagnosis to its report", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Follows an approved session live — sending a progress notification for each phase, agent and finding — and returns " +
        "the report in Markdown when it completes. Returns at once if the session still waits for the user's approval or has ended.")]
    public Task<CallToolResult> WaitForReport(
        [Description("The session id")] string sessionId,
        [Description("Give up waiting after this many seconds (default 300, at most 1800); the session keeps running")] int? timeoutSeconds = null,
        RequestContext<CallToolRequestParams>? request = null,
        CancellationToken cancellationToken = default) => Run(async () =>
    {
        using var client = source.Create();
        var status = await client.StatusAsync(sessionId, cancellationToken);
        if (status.Phase == Phases.WaitingForInput) return SessionText.WaitingForApproval(status);

        var limit = TimeSpan.FromSeconds(Math.Clamp(timeoutSeconds ?? 300, 1, 1800));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        string? reason = null;
        if (!status.IsTerminal)
        {
            var count = 0;
            try
            {
                await foreach (var e in client.StreamAsync(sessionId, after: null, timeout.Token))
                {
                    // Awaited one by one (IProgress would fire and forget), so the client sees them in order.
                    if (request?.Params?.ProgressToken is { } token)
                        await request.Server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = ++count, Message = SessionText.Progress(e) }, cancellationToken: timeout.Token);
                    if (e.IsFinal)
                    {
                        reason = e.Text("reason");
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                var now = await client.StatusAsync(sessionId, cancellationToken);
                return $"Session {sessionId} is still {now.Phase} after {limit.TotalSeconds:0} s; it keeps running. Call `wait_for_report` again to keep following it.";
            }
            status = await client.StatusAsync(sessionId, cancellationToken);
        }

        if (status.Phase is Phases.Completed or Phases.Failed)
        {
            try
            {
                return await client.ReportMarkdownAsync(sessionId, cancellationToken);
            }
            catch (SreClientException e) when (status.Phase == Phases.Failed && e.Kind is SreErrorKind.Conflict or SreErrorKind.NotFound)
            {
            }
        }
        return SessionText.Ended(status, reason);
    });

    [McpServerTool(Name = "list_sessions", Title = "List diagnosis sessions", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Lists recent diagnosis sessions, newest first: by default those of this conversation when it is known.")]
    public Task<CallToolResult> ListSessions(
        [Description("This Cursor conversation's id; only its sessions are listed")] string? conversationId = null,
        [Description("Only sessions in this phase, e.g. waiting_for_input, diagnosing, completed")] string? phase = null,
        [Description("List every session you may see, not only this conversation's")] bool all = false,
        [Description("At most this many (default 20)")] int? limit = null,
        CancellationToken cancellationToken = default) => Run(async () =>
    {
        using var client = source.Create();
        var conversation = all ? null : Bind(conversationId);
        var sessions = await client.SessionsAsync(phase, Math.Clamp(limit ?? 20, 1, 200), conversation, cancellationToken);
        if (sessions.Count == 0)
            return conversation is null ? "No sessions." : $"No sessions in conversation {conversation}. Pass all=true to list every session.";
        var text = new StringBuilder(conversation is null ? "Sessions:\n" : $"Sessions of conversation {conversation}:\n");
        foreach (var s in sessions)
            text.AppendLine($"- {s.SessionId} · {s.Phase} · {s.Environment} · {s.UpdatedAt:u} · \"{s.Problem.ReplaceLineEndings(" ")}\"");
        return text.ToString();
    });

    [McpServerTool(Name = "cancel", Title = "Cancel a diagnosis", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Cancels a session: a pending approval or running agents. Use it when the user wants to stop a diagnosis.")]
    public Task<CallToolResult> Cancel([Description("The session id")] string sessionId, [Description("Why")] string? reason = null, CancellationToken cancellationToken = default) => Run(async () =>
    {
        using var client = source.Create();
        var status = await client.CancelAsync(sessionId, reason ?? "Cancelled from Cursor", cancellationToken);
        return $"Session {status.SessionId} is {status.Phase}.";
    });

    private string? Bind(string? conversationId) => string.IsNullOrWhiteSpace(conversationId) ? source.ConversationId : conversationId.Trim();

    /// <summary>Plans come back in well under a second with the rule planner and a few seconds with an
    /// LLM: follow the stream until the session waits for approval (or ends), then read the status.</summary>
    private static async Task<SessionView> UntilPlannedAsync(SreClient client, string sessionId, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PlanWait);
        try
        {
            await foreach (var e in client.StreamAsync(sessionId, after: null, timeout.Token))
                if (e.Name == "approval_required" || e.IsFinal || (e.Name == "phase" && e.Text("phase") is not (Phases.Analyzing or Phases.WaitingForInput)))
                    break;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        return await client.StatusAsync(sessionId, cancellationToken);
    }

    /// <summary>A refusal or a client error is an answer for the agent (isError, with words it can
    /// relay), not a failure of the server: no exception reaches the SDK, nothing is logged as a crash.</summary>
    private static async Task<CallToolResult> Run(Func<Task<string>> body)
    {
        try
        {
            return Result(await body(), error: false);
        }
        catch (ToolError e)
        {
            return Result(e.Message, error: true);
        }
        catch (SreClientException e)
        {
            return Result(e.Message, error: true);
        }
    }

    private static CallToolResult Result(string text, bool error) => new() { Content = [new TextContentBlock { Text = text }], IsError = error };

    private sealed class ToolError(string message) : Exception(message);
}
