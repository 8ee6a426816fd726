using System.Globalization;
using System.Text;
using System.Text.Json;
using Sre.Host.Client;

namespace Sre.Host.Mcp;

/// <summary>What the MCP tools say to the agent: short, factual, and explicit about what the agent
/// may do next — above all, that approval is the human's.</summary>
public static class SessionText
{
    public static string WaitingForApproval(SessionView s)
    {
        var text = new StringBuilder();
        text.AppendLine($"Session {s.SessionId} ({s.Environment}) is waiting for the user's approval.");
        text.AppendLine();
        text.AppendLine(s.Prompt ?? "(no prompt)");
        text.AppendLine();
        text.AppendLine("Next: show the request above to the user as it is and ask them to approve or deny it. " +
            $"Suggest they reply \"approve {s.SessionId}\" or \"deny\".");
        text.AppendLine("Approval must come from the user. Never approve on your own, never assume consent, never re-use an earlier answer. " +
            $"Only after the user approves, call `approve` with sessionId \"{s.SessionId}\" and `confirmation` set to the user's reply, " +
            "copied exactly as they typed it (it must say \"approve\" or name the session). If they decline, call `deny`.");
        if (s.ApprovalExpiresAt is { } expires)
            text.AppendLine($"The request expires at {expires.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture)}.");
        return text.ToString();
    }

    public static string Summary(SessionView s)
    {
        var text = new StringBuilder();
        text.AppendLine($"Session {s.SessionId}: {s.Phase} ({s.Environment}) — \"{OneLine(s.Problem)}\"");
        if (!string.IsNullOrEmpty(s.ConversationId)) text.AppendLine($"Conversation: {s.ConversationId}");
        foreach (var a in s.Approvals)
            text.AppendLine($"Approved by {a.Principal}: {string.Join(", ", a.References ?? [])}");
        foreach (var a in s.Agents)
            text.AppendLine($"- {a.Kind} on {a.Target}: {a.State}, {a.Findings} finding(s){(a.DurationMs is { } ms ? $", {ms} ms" : "")}{(a.Error is null ? "" : $" — {a.Error}")}");
        text.AppendLine($"Findings so far: {s.FindingCount}");
        if (s.RootCause is { } rc)
            text.AppendLine($"Root cause: {rc.Category} (confidence {rc.Confidence.ToString("0.00", CultureInfo.InvariantCulture)}): {rc.Summary}");
        if (!string.IsNullOrEmpty(s.EndReason)) text.AppendLine($"Ended: {s.EndReason}");
        foreach (var e in s.Errors) text.AppendLine($"Error: {e}");
        text.AppendLine(s.Phase switch
        {
            Phases.WaitingForInput => "It waits for the user's decision: show them the prompt (call `status` again for it after this) and ask.",
            Phases.Completed => $"Read the report with `wait_for_report` (returns at once for a finished session).",
            Phases.Denied or Phases.Expired or Phases.Cancelled or Phases.Failed => "The session is over.",
            _ => $"It is running: call `wait_for_report` with sessionId \"{s.SessionId}\" to follow it to the report.",
        });
        return text.ToString();
    }

    /// <summary>One line per stream event for progress notifications.</summary>
    public static string Progress(StreamEvent e)
    {
        string Num(string property) =>
            e.Data.ValueKind == JsonValueKind.Object && e.Data.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Number ? v.ToString() : "?";
        return e.Name switch
        {
            "phase" => $"phase: {e.Text("phase")}{(e.Text("reason") is { Length: > 0 } r ? $" ({r})" : "")}",
            "approval_required" => "waiting for the user's approval",
            "approved" => $"approved by {e.Text("principal")}",
            "denied" => $"denied by {e.Text("principal")}",
            "agent_started" => $"agent {e.Text("agent")} on {e.Text("target")} started",
            "finding" => $"finding [{e.Text("severity")}] {e.Text("agent")}/{e.Text("target")} {e.Text("check")}: {OneLine(e.Text("title"))}",
            "agent_completed" => $"agent {e.Text("agent")} on {e.Text("target")} {e.Text("state")} in {Num("durationMs")} ms",
            "report" => "report ready",
            "error" => $"error: {e.Text("title")}",
            _ => e.Name,
        };
    }

    public static string Ended(SessionView s, string? reason) =>
        $"Session {s.SessionId} ended {s.Phase}{(string.IsNullOrEmpty(reason ?? s.EndReason) ? "" : $": {reason ?? s.EndReason}")}. There is no diagnosis to report.";

    private static string OneLine(string? text) => (text ?? "").ReplaceLineEndings(" ").Trim();
}
