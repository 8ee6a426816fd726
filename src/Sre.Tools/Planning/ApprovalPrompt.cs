using System.Text;
using Sre.Tools.Model;

namespace Sre.Tools.Planning;

/// <summary>The text a human reads before approving: every reference, its access level, the agents
/// that will use it and why. Generated from the validated plan, never from free model text.</summary>
public static class ApprovalPrompt
{
    public static string Render(string sessionId, DiagnosisRequest request, DiagnosisPlan plan, DateTimeOffset expiresAt)
    {
        var text = new StringBuilder();
        text.AppendLine($"To diagnose \"{request.Problem.Trim()}\" in {request.Environment}, session {sessionId} needs read access to {plan.Access.Count} credential(s):");
        foreach (var a in plan.Access)
            text.AppendLine($"  - {a.Reference} ({a.Access}) for the {string.Join(", ", a.Agents)} agent: {a.Reason}");
        text.AppendLine("Planned agents:");
        foreach (var a in plan.Assignments)
            text.AppendLine($"  - {a.Agent} on '{a.Target}': {string.Join(", ", a.Checks)}");
        foreach (var w in plan.Warnings)
            text.AppendLine($"  ! {w}");
        text.Append($"Approve or deny before {expiresAt:u}. Secrets are fetched only after approval and never shown to the model.");
        return text.ToString();
    }

    /// <summary>The narrower prompt of a follow-up round: only the new references and why the
    /// findings so far call for them.</summary>
    public static string RenderFollowUp(string sessionId, DiagnosisRequest request, DiagnosisPlan plan, int round, DateTimeOffset expiresAt)
    {
        var text = new StringBuilder();
        text.AppendLine($"The findings so far call for a closer look (follow-up round {round} of session {sessionId}, \"{request.Problem.Trim()}\" in {request.Environment}).");
        if (!string.IsNullOrWhiteSpace(plan.Rationale)) text.AppendLine($"Why: {plan.Rationale.Trim()}");
        text.AppendLine($"It needs read access to {plan.Access.Count} more credential(s):");
        foreach (var a in plan.Access)
            text.AppendLine($"  - {a.Reference} ({a.Access}) for the {string.Join(", ", a.Agents)} agent: {a.Reason}");
        foreach (var a in plan.Assignments)
            text.AppendLine($"  - {a.Agent} on '{a.Target}': {string.Join(", ", a.Checks)}");
        text.Append($"Approve or deny before {expiresAt:u}; denying skips these checks and the report uses what was already found.");
        return text.ToString();
    }
}
