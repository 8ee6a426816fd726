using System.Collections.Immutable;
using Sre.Tools.Llm;
using Sre.Tools.Model;
using static Sre.Actors.Sessions.SessionEvents;

namespace Sre.Actors.Sessions;

/// <summary>Everything a session knows, rebuilt from its events. Immutable: <see cref="Apply"/>
/// returns the next state, so replay and live handling share one code path.</summary>
public sealed record SessionState
{
    public static SessionState Empty(string sessionId) => new() { SessionId = sessionId };

    public required string SessionId { get; init; }
    public bool Exists { get; init; }
    public SessionPhase Phase { get; init; } = SessionPhase.Analyzing;
    public DiagnosisRequest? Request { get; init; }
    public string Requester { get; init; } = "";
    public string? ConversationId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DiagnosisPlan? Plan { get; init; }
    public string? Prompt { get; init; }
    public ImmutableList<AccessRequest> RequestedAccess { get; init; } = [];
    public DateTimeOffset? ApprovalRequestedAt { get; init; }
    public DateTimeOffset? ApprovalExpiresAt { get; init; }
    public ImmutableList<ApprovalRecord> Approvals { get; init; } = [];
    public ImmutableHashSet<string> ApprovedReferences { get; init; } = ImmutableHashSet.Create<string>(StringComparer.OrdinalIgnoreCase);
    public ImmutableList<CredentialHandle> Handles { get; init; } = [];
    public ImmutableList<CredentialFailure> CredentialFailures { get; init; } = [];
    /// <summary>Agent runs in plan order, by <see cref="AgentAssignment.Key"/>.</summary>
    public ImmutableList<AgentRun> Agents { get; init; } = [];
    public ImmutableList<Finding> Findings { get; init; } = [];
    public Report? Report { get; init; }
    public ImmutableList<string> Errors { get; init; } = [];
    public string? EndReason { get; init; }
    /// <summary>Every model call of the session (plan, follow-ups, synthesis) with tokens and latency.</summary>
    public ImmutableList<LlmCall> LlmCalls { get; init; } = [];
    /// <summary>The last follow-up round asked for (0: none yet).</summary>
    public int FollowUpRound { get; init; }
    /// <summary>The investigator said it has nothing more to ask.</summary>
    public bool FollowUpsDone { get; init; }

    public AgentRun? FindAgent(string key) => Agents.FirstOrDefault(a => a.Key == key);

    public bool AllAgentsFinished => Agents.All(a => a.State.IsFinished());

    public SessionState Apply(ISessionEvent e) => (e switch
    {
        SessionStarted s => this with
        {
            Exists = true,
            Request = s.Request,
            Requester = s.Requester,
            ConversationId = s.ConversationId,
            CreatedAt = s.At,
            Phase = SessionPhase.Analyzing,
        },
        PhaseChanged p => this with
        {
            Phase = p.Phase,
            EndReason = p.Phase.IsTerminal() ? p.Reason : EndReason,
        },
        PlanAdopted p => this with
        {
            Plan = p.Plan,
            Agents = p.Plan.Assignments.Select(a => new AgentRun { Assignment = a, Key = a.Key }).ToImmutableList(),
            LlmCalls = LlmCalls.AddRange(p.Plan.LlmCalls),
        },
        FollowUpPlanned f => this with
        {
            FollowUpRound = f.Round,
            FollowUpsDone = f.Done || (f.Ready.Count == 0 && f.NeedsApproval.Count == 0),
            Agents = Agents.AddRange(f.Ready.Concat(f.NeedsApproval).Select(a => new AgentRun
            {
                Assignment = a,
                Key = Agents.Any(r => r.Key == a.Key) ? $"{a.Key}#{f.Round}" : a.Key,
            })),
            LlmCalls = LlmCalls.AddRange(f.LlmCalls),
        },
        ApprovalRequested r => this with
        {
            Prompt = r.Prompt,
            RequestedAccess = r.RequestedAccess.ToImmutableList(),
            ApprovalRequestedAt = r.At,
            ApprovalExpiresAt = r.ExpiresAt,
        },
        ApprovalGranted g => this with
        {
            Approvals = Approvals.Add(new ApprovalRecord(g.Principal, g.References, g.At)),
            ApprovedReferences = ApprovedReferences.Union(g.References),
        },
        ApprovalDenied => this,
        ApprovalExpired => this,
        CredentialsIssued c => this with
        {
            // A re-lease after recovery replaces the handles of the same references.
            Handles = Handles.RemoveAll(h => c.Handles.Any(n => string.Equals(n.Reference, h.Reference, StringComparison.OrdinalIgnoreCase))).AddRange(c.Handles),
            CredentialFailures = c.Failures.ToImmutableList(),
        },
        AgentStarted a => UpdateAgent(a.Key, run => run with
        {
            State = AgentRunState.Running,
            Attempt = a.Attempt,
            StartedAt = a.At,
            DeadlineAt = a.DeadlineAt,
        }),
        FindingRecorded f => UpdateAgent(f.Key, run => run with { Findings = run.Findings + 1 }) with
        {
            Findings = Findings.Add(f.Finding),
        },
        AgentCompleted c => UpdateAgent(c.Key, run => run with
        {
            State = c.State,
            DurationMs = c.DurationMs,
            Error = c.Error,
        }),
        // The report carries the complete list of model calls.
        ReportProduced r => this with { Report = r.Report, LlmCalls = r.Report.LlmCalls.ToImmutableList() },
        SessionError err => this with { Errors = Errors.Add($"{err.Title}: {err.Detail}") },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "Unknown session event"),
    }) with { UpdatedAt = e.At };

    private SessionState UpdateAgent(string key, Func<AgentRun, AgentRun> update)
    {
        var index = Agents.FindIndex(a => a.Key == key);
        return index < 0 ? this : this with { Agents = Agents.SetItem(index, update(Agents[index])) };
    }

    /// <summary>The handle that lets the given assignment redeem its credential, if any.</summary>
    public CredentialHandle? HandleFor(AgentAssignment assignment) =>
        assignment.Credential is null ? null
        : Handles.FirstOrDefault(h => string.Equals(h.Reference, assignment.Credential, StringComparison.OrdinalIgnoreCase)
                                      && h.Agents.Contains(assignment.Agent, StringComparer.OrdinalIgnoreCase));

    public int NextFindingNumber => Findings.Count + 1;
}
