namespace Sre.Tools.Model;

/// <summary>Which agents run against which targets, and the credentials (as references) they need.
/// A plan is validated against the catalog before anyone is asked to approve it.</summary>
public sealed record DiagnosisPlan
{
    public required IReadOnlyList<AgentAssignment> Assignments { get; init; }
    public required IReadOnlyList<AccessRequest> Access { get; init; }
    public string Rationale { get; init; } = "";
    /// <summary>Which planner made this plan ("rules", "llm").</summary>
    public string Planner { get; init; } = "rules";
    /// <summary>What the planner dropped or could not cover, shown to the user as warnings.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>Model calls made for this plan (empty for the rules), for status, report and metrics.</summary>
    public IReadOnlyList<Sre.Tools.Llm.LlmCall> LlmCalls { get; init; } = [];

    public bool NeedsCredentials => Access.Count > 0;
}

/// <summary>One agent run: an agent kind against one target with the checks to perform.</summary>
public sealed record AgentAssignment(
    string Agent,
    string Target,
    IReadOnlyList<string> Checks,
    string? Credential,
    string Reason)
{
    /// <summary>Unique within a session: one run per agent and target.</summary>
    public string Key => $"{Agent}:{Target}";
}

/// <summary>One credential the plan asks a human to approve, with why and for whom.</summary>
public sealed record AccessRequest(
    string Reference,
    string Access,
    string Reason,
    IReadOnlyList<string> Agents);
