using Sre.Tools.Model;
using Sre.Tools.Planning;
using Sre.Tools.Synthesis;
using static Sre.Actors.Sessions.SessionCommands;
using static Sre.Actors.Sessions.SessionEffects;
using static Sre.Actors.Sessions.SessionEvents;
using static Sre.Actors.Sessions.SessionSignals;

namespace Sre.Actors.Sessions;

/// <summary>The session's decision logic: (state, command, now) → events, effects, reply. Pure, so
/// every transition of the state machine is tested without an actor system.</summary>
public static partial class SessionDecider
{
    public static SessionDecision Decide(SessionState state, ISessionCommand command, DateTimeOffset now, SessionPolicy policy)
    {
        if (command is StartDiagnosis start) return OnStart(state, start, now);
        if (!state.Exists)
        {
            return command is GetStatus or GetReport or Approve or Deny or Cancel
                ? SessionDecision.Reject(RejectionKind.NotFound, $"Unknown session '{state.SessionId}'", "No diagnosis session has this id. List sessions with GET /sessions.")
                : SessionDecision.Nothing;
        }

        return command switch
        {
            GetStatus => SessionDecision.Status(),
            GetReport => OnReport(state),
            Approve a => OnApprove(state, a, now, policy),
            Deny d => OnDeny(state, d, now, policy),
            Cancel c => OnCancel(state, c, now),
            PlanReady p => OnPlanReady(state, p, now, policy),
            PlanFailed f => Fail(state, "Planning failed", f.Reason, now),
            ApprovalTimeoutReached => OnApprovalTimeout(state, now, policy),
            CredentialsLeased l => OnCredentialsLeased(state, l, now, policy),
            AgentFindingReported f => OnFinding(state, f, now),
            AgentFinished f => OnAgentFinished(state, f, now, policy),
            AgentDeadlineReached d => OnDeadline(state, d, now, policy),
            SynthesisReady s => OnSynthesisReady(state, s, now),
            FollowUpReady f => OnFollowUpReady(state, f, now, policy),
            SynthesisFailed f => Fail(state, "Synthesis failed", f.Reason, now),
            _ => SessionDecision.Nothing,
        };
    }

    /// <summary>What a recovered session must do to carry on where its journal left it: plan again,
    /// re-arm the approval timer, re-lease approved credentials (handles die with their node) and
    /// re-run unfinished agents (they are read-only, so running one twice is safe), or synthesize.</summary>
    public static SessionDecision Resume(SessionState state, DateTimeOffset now, SessionPolicy policy)
    {
        if (!state.Exists) return SessionDecision.Nothing;
        return state.Phase switch
        {
            SessionPhase.Analyzing => Effects(new RequestPlan()),
            SessionPhase.WaitingForInput => Effects(new ScheduleApprovalTimeout(state.ApprovalExpiresAt ?? now)),
            SessionPhase.RetrievingCredentials => Effects(new LeaseCredentials(LeaseItems(state, state.ApprovedReferences), now + policy.CredentialTtl, "recovery")),
            // Least privilege: only what unfinished agents still need.
            SessionPhase.Diagnosing when StillNeeded(state).Count > 0 =>
                Effects(new LeaseCredentials(LeaseItems(state, StillNeeded(state)), now + policy.CredentialTtl, "recovery")),
            // Every agent had finished: the session was asking the investigator (or about to synthesize).
            SessionPhase.Diagnosing when state.AllAgentsFinished => AfterAgents(state, [], now, policy),
            // Nothing to lease: re-dispatch whatever had not finished.
            SessionPhase.Diagnosing => Redispatch(state, now, policy),
            SessionPhase.Synthesizing => Effects(new RequestSynthesis()),
            _ => Effects(new RevokeCredentials(), new PassivateLater()),
        };
    }

    private static SessionDecision Effects(params ISessionEffect[] effects) => new([], effects, null);

    private static IReadOnlyList<string> StillNeeded(SessionState state) =>
        state.Agents.Where(a => a.State == AgentRunState.Running && a.Assignment.Credential is not null && state.ApprovedReferences.Contains(a.Assignment.Credential))
            .Select(a => a.Assignment.Credential!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>The events and effects of re-running every unfinished agent with a new attempt.</summary>
    public static SessionDecision Redispatch(SessionState state, DateTimeOffset now, SessionPolicy policy)
    {
        var events = new List<ISessionEvent>();
        var effects = new List<ISessionEffect>();
        foreach (var run in state.Agents.Where(a => a.State == AgentRunState.Running))
        {
            var deadline = now + policy.AgentDeadline;
            events.Add(new AgentStarted(run.Key, run.Assignment.Agent, run.Assignment.Target, run.Attempt + 1, deadline, now));
            effects.Add(new DispatchAgent(run.Key, run.Assignment, run.Attempt + 1, state.HandleFor(run.Assignment), deadline));
        }
        return new SessionDecision(events, effects, null);
    }

    private static SessionDecision OnStart(SessionState state, StartDiagnosis start, DateTimeOffset now)
    {
        if (state.Exists)
            return SessionDecision.Reject(RejectionKind.Conflict, $"Session '{state.SessionId}' already exists", "Start a new diagnosis with a new id.");
        return new SessionDecision(
            [
                new SessionStarted(start.SessionId, start.Request, start.Principal.Name, start.ConversationId, now),
                new PhaseChanged(SessionPhase.Analyzing, null, now),
            ],
            [
                new RequestPlan(),
                new RecordAudit("request", $"Diagnosis requested: {start.Request.Problem}", start.Principal.Name),
            ],
            SessionDecision.ReplyWithStatus);
    }

    private static SessionDecision OnReport(SessionState state) => state.Report is not null
        ? new SessionDecision([], [], SessionDecision.ReplyWithReport)
        : SessionDecision.Reject(RejectionKind.Conflict,
            state.Phase.IsTerminal()
                ? $"Session '{state.SessionId}' ended {state.Phase.ToWire()} without a report"
                : $"Session '{state.SessionId}' is not finished yet",
            state.Phase.IsTerminal()
                ? state.EndReason ?? "No diagnosis was run."
                : $"It is {state.Phase.ToWire()}. Follow GET /stream/{state.SessionId} or poll GET /status/{state.SessionId}; the report is available once it completes.");

    private static SessionDecision NotWaiting(SessionState state, string verb)
    {
        var title = state.Phase switch
        {
            SessionPhase.Denied => $"Session '{state.SessionId}' was denied; it cannot be {verb}",
            SessionPhase.Expired => $"Session '{state.SessionId}' expired waiting for approval; it cannot be {verb}",
            SessionPhase.Cancelled => $"Session '{state.SessionId}' was cancelled; it cannot be {verb}",
            SessionPhase.Analyzing => $"Session '{state.SessionId}' is still being planned; nothing to approve yet",
            _ when state.Approvals.Count > 0 => $"Session '{state.SessionId}' was already approved",
            _ => $"Session '{state.SessionId}' is not waiting for approval",
        };
        return SessionDecision.Reject(RejectionKind.Conflict, title,
            $"The session is {state.Phase.ToWire()}. Start a new diagnosis if you need another run.");
    }

    private static SessionDecision OnApprove(SessionState state, Approve approve, DateTimeOffset now, SessionPolicy policy)
    {
        if (state.Phase != SessionPhase.WaitingForInput) return NotWaiting(state, "approved");
        if (!approve.Principal.Has(Principal.Approver))
        {
            return new SessionDecision([], [new RecordAudit("refusal", "Approval refused: the principal lacks the approver role", approve.Principal.Name, approve.References, approve.Client)],
                new SessionReplies.Rejected(RejectionKind.Forbidden, $"'{approve.Principal.Name}' may not approve sessions",
                    $"Approving needs the '{Principal.Approver}' role; '{approve.Principal.Name}' has: {string.Join(", ", approve.Principal.Roles)}. Ask an approver."));
        }
        if (policy.RequireDistinctApprover && string.Equals(approve.Principal.Name, state.Requester, StringComparison.OrdinalIgnoreCase))
        {
            return new SessionDecision([], [new RecordAudit("refusal", "Self-approval refused (require-distinct-approver)", approve.Principal.Name, approve.References, approve.Client)],
                new SessionReplies.Rejected(RejectionKind.Forbidden, "A session cannot be approved by the person who requested it",
                    $"This server requires a distinct approver; '{approve.Principal.Name}' requested session '{state.SessionId}'. Ask another approver."));
        }

        var requested = state.RequestedAccess.Select(a => a.Reference).ToList();
        var chosen = approve.References ?? requested;
        if (chosen.Count == 0)
            return SessionDecision.Reject(RejectionKind.BadRequest, "Approve at least one reference, or deny the session",
                $"'references' is empty. Requested: {string.Join(", ", requested)}.");
        var unknown = chosen.Where(r => !requested.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
            return SessionDecision.Reject(RejectionKind.BadRequest, $"Reference '{unknown[0]}' was not requested by this session",
                $"Only the requested references can be approved: {string.Join(", ", requested)}.");
        // Spell references as the session requested them.
        var approved = requested.Where(r => chosen.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();

        return new SessionDecision(
            [
                new ApprovalGranted(approve.Principal.Name, approved, approve.Client, now),
                new PhaseChanged(SessionPhase.RetrievingCredentials, null, now),
            ],
            [
                new RecordAudit("approval", approved.Count == requested.Count ? "Approved all requested references" : $"Approved {approved.Count} of {requested.Count} requested references", approve.Principal.Name, approved, approve.Client),
                new LeaseCredentials(LeaseItems(state, approved), now + policy.CredentialTtl, approve.Principal.Name),
            ],
            SessionDecision.ReplyWithStatus);
    }

    private static IReadOnlyList<LeaseItem> LeaseItems(SessionState state, IEnumerable<string> references) =>
        references.Select(r => new LeaseItem(r,
                state.Agents.Where(a => string.Equals(a.Assignment.Credential, r, StringComparison.OrdinalIgnoreCase))
                    .Select(a => a.Assignment.Agent).Distinct().ToList()))
            .ToList();

    private static SessionDecision OnDeny(SessionState state, Deny deny, DateTimeOffset now, SessionPolicy policy)
    {
        if (state.Phase != SessionPhase.WaitingForInput) return NotWaiting(state, "denied");
        var isRequester = string.Equals(deny.Principal.Name, state.Requester, StringComparison.OrdinalIgnoreCase);
        if (!deny.Principal.Has(Principal.Approver) && !isRequester)
            return SessionDecision.Reject(RejectionKind.Forbidden, $"'{deny.Principal.Name}' may not deny this session",
                "Only an approver or the requester may deny a session.");
        var reason = string.IsNullOrWhiteSpace(deny.Reason) ? $"denied by {deny.Principal.Name}" : $"denied by {deny.Principal.Name}: {deny.Reason}";
        if (state.FollowUpRound > 0)
            return SkipFollowUpApproval(state, new ApprovalDenied(deny.Principal.Name, deny.Reason, now),
                new RecordAudit("denial", $"Follow-up access {reason}", deny.Principal.Name, state.RequestedAccess.Select(a => a.Reference).ToList()), now, policy, SessionDecision.ReplyWithStatus);
        return new SessionDecision(
            [
                new ApprovalDenied(deny.Principal.Name, deny.Reason, now),
                new PhaseChanged(SessionPhase.Denied, reason, now),
            ],
            [
                new RecordAudit("denial", reason, deny.Principal.Name, state.RequestedAccess.Select(a => a.Reference).ToList()),
                new RevokeCredentials(),
                new PassivateLater(),
            ],
            SessionDecision.ReplyWithStatus);
    }

    private static SessionDecision OnCancel(SessionState state, Cancel cancel, DateTimeOffset now)
    {
        if (state.Phase.IsTerminal())
            return SessionDecision.Reject(RejectionKind.Conflict, $"Session '{state.SessionId}' already ended ({state.Phase.ToWire()})",
                "There is nothing to cancel.");
        var reason = $"cancelled by {cancel.Principal.Name}" + (string.IsNullOrWhiteSpace(cancel.Reason) ? "" : $": {cancel.Reason}");
        var events = new List<ISessionEvent>();
        foreach (var run in state.Agents.Where(a => a.State == AgentRunState.Running))
            events.Add(new AgentCompleted(run.Key, run.Assignment.Agent, run.Assignment.Target, AgentRunState.Cancelled, (long)(now - (run.StartedAt ?? now)).TotalMilliseconds, "session cancelled", now));
        events.Add(new PhaseChanged(SessionPhase.Cancelled, reason, now));
        return new SessionDecision(events,
            [new RecordAudit("cancel", reason, cancel.Principal.Name), new CancelAgents(), new RevokeCredentials(), new PassivateLater()],
            SessionDecision.ReplyWithStatus);
    }

    private static SessionDecision OnPlanReady(SessionState state, PlanReady ready, DateTimeOffset now, SessionPolicy policy)
    {
        if (state.Phase != SessionPhase.Analyzing || state.Plan is not null) return SessionDecision.Nothing;
        var plan = ready.Plan;
        var events = new List<ISessionEvent> { new PlanAdopted(plan, now) };
        if (plan.LlmCalls.Any(c => !c.Succeeded) && plan.Planner != "llm")
            events.Add(new SessionError("The model's plan could not be used; the rule-based plan runs instead",
                plan.Warnings.FirstOrDefault() ?? plan.LlmCalls.First(c => !c.Succeeded).Error ?? "the model call failed", now));

        if (plan.Assignments.Count == 0)
        {
            events.Add(new SessionError("Nothing to examine",
                plan.Warnings.Count > 0 ? string.Join(" ", plan.Warnings) : $"Environment '{state.Request!.Environment}' has no target an available agent can examine.", now));
            events.Add(new PhaseChanged(SessionPhase.Synthesizing, null, now));
            return new SessionDecision(events, [new RequestSynthesis()], null);
        }

        if (plan.NeedsCredentials)
        {
            var expires = now + policy.ApprovalTimeout;
            events.Add(new ApprovalRequested(ApprovalPrompt.Render(state.SessionId, state.Request!, plan, expires), plan.Access, expires, now));
            events.Add(new PhaseChanged(SessionPhase.WaitingForInput, null, now));
            return new SessionDecision(events, [new ScheduleApprovalTimeout(expires)], null);
        }

        events.Add(new PhaseChanged(SessionPhase.Diagnosing, null, now));
        var afterPlan = events.Aggregate(state, (s, e) => s.Apply(e));
        var dispatch = StartAgents(afterPlan, now, policy);
        return new SessionDecision([.. events, .. dispatch.Events], dispatch.Effects, null);
    }

    private static SessionDecision OnApprovalTimeout(SessionState state, DateTimeOffset now, SessionPolicy policy)
    {
        if (state.Phase != SessionPhase.WaitingForInput) return SessionDecision.Nothing;
        if (state.ApprovalExpiresAt is { } at && now < at) return new SessionDecision([], [new ScheduleApprovalTimeout(at)], null);
        if (state.FollowUpRound > 0)
            return SkipFollowUpApproval(state, new ApprovalExpired(now), new RecordAudit("expiry", "Follow-up approval request expired"), now, policy, null);
        return new SessionDecision(
            [new ApprovalExpired(now), new PhaseChanged(SessionPhase.Expired, "nobody approved or denied the request in time", now)],
            [new RecordAudit("expiry", "Approval request expired"), new RevokeCredentials(), new PassivateLater()],
            null);
    }

    private static SessionDecision OnCredentialsLeased(SessionState state, CredentialsLeased leased, DateTimeOffset now, SessionPolicy policy)
    {
        var issued = new CredentialsIssued(leased.Handles, leased.Failures, now);
        if (state.Phase == SessionPhase.Diagnosing)
        {
            // Re-lease after recovery: fresh handles, then re-run what had not finished.
            var refreshed = state.Apply(issued);
            var again = Redispatch(refreshed, now, policy);
            return new SessionDecision([issued, .. again.Events], again.Effects, null);
        }
        if (state.Phase != SessionPhase.RetrievingCredentials) return new SessionDecision([], [new RevokeCredentials()], null);

        var events = new List<ISessionEvent> { issued };
        var afterIssue = state.Apply(issued);
        var runnable = afterIssue.Agents.Where(a => a.Assignment.Credential is null || afterIssue.HandleFor(a.Assignment) is not null).ToList();
        if (runnable.Count == 0 && leased.Failures.Count > 0)
        {
            var detail = string.Join("; ", leased.Failures.Select(f => $"{f.Reference}: {f.Reason}"));
            events.Add(new SessionError("No credential could be fetched", detail, now));
            events.Add(new PhaseChanged(SessionPhase.Failed, $"credentials could not be fetched: {detail}", now));
            return new SessionDecision(events, [new RevokeCredentials(), new PassivateLater()], null);
        }

        events.Add(new PhaseChanged(SessionPhase.Diagnosing, null, now));
        foreach (var f in leased.Failures)
            events.Add(new SessionError($"Credential {f.Reference} could not be fetched", f.Reason, now));
        var afterPhase = events.Skip(1).Aggregate(afterIssue, (s, e) => s.Apply(e));
        var dispatch = StartAgents(afterPhase, now, policy);
        return new SessionDecision([.. events, .. dispatch.Events], dispatch.Effects, null);
    }

    /// <summary>Starts every pending agent that may run; agents whose credential was not approved or
    /// could not be fetched end at once with a reason instead of running.</summary>
    private static SessionDecision StartAgents(SessionState state, DateTimeOffset now, SessionPolicy policy)
    {
        var events = new List<ISessionEvent>();
        var effects = new List<ISessionEffect>();
        foreach (var run in state.Agents.Where(a => a.State == AgentRunState.Pending))
        {
            var a = run.Assignment;
            if (a.Credential is not null && !state.ApprovedReferences.Contains(a.Credential))
            {
                events.Add(new AgentCompleted(run.Key, a.Agent, a.Target, AgentRunState.NotApproved, null, $"not approved: credential {a.Credential} was not approved", now));
                continue;
            }
            var handle = state.HandleFor(a);
            if (a.Credential is not null && handle is null)
            {
                var why = state.CredentialFailures.FirstOrDefault(f => string.Equals(f.Reference, a.Credential, StringComparison.OrdinalIgnoreCase))?.Reason ?? "no handle was issued";
                events.Add(new AgentCompleted(run.Key, a.Agent, a.Target, AgentRunState.Failed, null, $"credential {a.Credential} could not be fetched: {why}", now));
                continue;
            }
            var deadline = now + policy.AgentDeadline;
            events.Add(new AgentStarted(run.Key, a.Agent, a.Target, 1, deadline, now));
            effects.Add(new DispatchAgent(run.Key, a, 1, handle, deadline));
        }

        var after = events.Aggregate(state, (s, e) => s.Apply(e));
        if (!after.AllAgentsFinished) return new SessionDecision(events, effects, null);
        var next = AfterAgents(after, events, now, policy);
        return new SessionDecision(next.Events, [.. effects, .. next.Effects], null);
    }

    private static bool IsCurrent(SessionState state, string key, int attempt, out AgentRun run)
    {
        run = state.FindAgent(key)!;
        return state.Phase == SessionPhase.Diagnosing && run is { State: AgentRunState.Running } && run.Attempt == attempt;
    }

    private static SessionDecision OnFinding(SessionState state, AgentFindingReported reported, DateTimeOffset now)
    {
        if (!IsCurrent(state, reported.Key, reported.Attempt, out var run)) return SessionDecision.Nothing;
        var finding = reported.Finding with
        {
            Id = $"f-{state.NextFindingNumber}",
            // The session, not the tool, says which agent and target this came from.
            Agent = run.Assignment.Agent,
            Target = run.Assignment.Target,
        };
        return new SessionDecision([new FindingRecorded(run.Key, run.Attempt, finding, now)], [], null);
    }

    private static SessionDecision OnAgentFinished(SessionState state, AgentFinished finished, DateTimeOffset now, SessionPolicy policy)
    {
        if (!IsCurrent(state, finished.Key, finished.Attempt, out var run)) return SessionDecision.Nothing;
        // A tool stops itself at the deadline it was given; finishing then is a time-out, whichever
        // of its answer and the session's own deadline timer arrives first.
        if (run.DeadlineAt is { } at && now >= at) return TimedOut(state, run, now, policy, finished.DurationMs);
        var state2 = finished.State is AgentRunState.Completed or AgentRunState.Failed or AgentRunState.TimedOut ? finished.State : AgentRunState.Failed;
        return Complete(state, [new AgentCompleted(run.Key, run.Assignment.Agent, run.Assignment.Target, state2, finished.DurationMs, finished.Error, now)], policy);
    }

    private static SessionDecision OnDeadline(SessionState state, AgentDeadlineReached reached, DateTimeOffset now, SessionPolicy policy)
    {
        if (!IsCurrent(state, reached.Key, reached.Attempt, out var run)) return SessionDecision.Nothing;
        if (run.DeadlineAt is { } at && now < at) return SessionDecision.Nothing;
        return TimedOut(state, run, now, policy, (long)(now - (run.StartedAt ?? now)).TotalMilliseconds);
    }

    private static SessionDecision TimedOut(SessionState state, AgentRun run, DateTimeOffset now, SessionPolicy policy, long elapsedMs)
    {
        var finding = new Finding
        {
            Id = $"f-{state.NextFindingNumber}",
            Agent = run.Assignment.Agent,
            Target = run.Assignment.Target,
            Check = "deadline",
            Severity = Severity.Warning,
            Title = $"The {run.Assignment.Agent} agent on '{run.Assignment.Target}' did not finish within {policy.AgentDeadline.TotalSeconds:0} s",
            Detail = $"{run.Findings} finding(s) arrived before the deadline; the remaining checks were abandoned. A target that hangs diagnostics may itself be overloaded.",
            At = now,
        };
        return Complete(state,
        [
            new FindingRecorded(run.Key, run.Attempt, finding, now),
            new AgentCompleted(run.Key, run.Assignment.Agent, run.Assignment.Target, AgentRunState.TimedOut, elapsedMs, "deadline reached", now),
        ], policy);
    }

    /// <summary>Records agent completions; once every agent is done, asks for a follow-up round or synthesizes.</summary>
    private static SessionDecision Complete(SessionState state, IReadOnlyList<ISessionEvent> events, SessionPolicy policy)
    {
        var after = events.Aggregate(state, (s, e) => s.Apply(e));
        return after.AllAgentsFinished ? AfterAgents(after, events, events[^1].At, policy) : new SessionDecision(events, [], null);
    }

    private static SessionDecision OnSynthesisReady(SessionState state, SynthesisReady ready, DateTimeOffset now)
    {
        if (state.Phase != SessionPhase.Synthesizing) return SessionDecision.Nothing;
        var report = SessionReportBuilder.Build(state, ready.Synthesis, now);
        ISessionEvent[] fallback = ready.Synthesis.LlmCalls.Any(c => !c.Succeeded) && ready.Synthesis.Synthesizer != "llm"
            ? [new SessionError("The model's synthesis could not be used; the rule-based report is shown",
                ready.Synthesis.LlmCalls.First(c => !c.Succeeded).Error ?? "the model call failed", now)]
            : [];
        return new SessionDecision(
            [.. fallback, new ReportProduced(report, now), new PhaseChanged(SessionPhase.Completed, null, now)],
            [new RevokeCredentials(), new PassivateLater()],
            null);
    }

    private static SessionDecision Fail(SessionState state, string title, string reason, DateTimeOffset now)
    {
        if (state.Phase.IsTerminal()) return SessionDecision.Nothing;
        return new SessionDecision(
            [new SessionError(title, reason, now), new PhaseChanged(SessionPhase.Failed, $"{title}: {reason}", now)],
            [new CancelAgents(), new RevokeCredentials(), new PassivateLater()],
            null);
    }
}
