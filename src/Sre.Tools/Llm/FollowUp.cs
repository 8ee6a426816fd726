using Sre.Tools.Model;

namespace Sre.Tools.Llm;

/// <summary>What the investigator needs for one follow-up round. <see cref="Plan"/> is the plan so
/// far with earlier rounds merged in; <see cref="Round"/> is 1 for the first follow-up;
/// <see cref="TokensSpent"/> sums the tokens of this session's earlier follow-up calls.</summary>
public sealed record FollowUpRequest(
    DiagnosisRequest Request,
    DiagnosisEnvironment Environment,
    DiagnosisPlan Plan,
    IReadOnlyList<Finding> Findings,
    IReadOnlyCollection<string> ApprovedReferences,
    int Round,
    int TokensSpent = 0);

/// <summary>A follow-up round's validated result. <see cref="Ready"/> may run at once (no
/// credential, or one already approved); <see cref="NeedsApproval"/> waits for the references in
/// <see cref="Access"/> — the narrower prompt to go back to <c>waiting_for_input</c> with. An
/// assignment may share its <see cref="AgentAssignment.Key"/> with an earlier run: it then carries
/// only the checks not run yet. <see cref="Done"/> means ask no further round.</summary>
public sealed record FollowUp
{
    public IReadOnlyList<AgentAssignment> Ready { get; init; } = [];
    public IReadOnlyList<AgentAssignment> NeedsApproval { get; init; } = [];
    public IReadOnlyList<AccessRequest> Access { get; init; } = [];
    public string Rationale { get; init; } = "";
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public IReadOnlyList<LlmCall> LlmCalls { get; init; } = [];
    public bool Done { get; init; }

    public IReadOnlyList<AgentAssignment> Assignments => [.. Ready, .. NeedsApproval];
    public bool NeedsCredentials => Access.Count > 0;

    public static FollowUp Finished(string? why = null, LlmCall? call = null) => new()
    {
        Done = true,
        Warnings = why is null ? [] : [why],
        LlmCalls = call is null ? [] : [call],
    };
}
