using Sre.Actors.Sessions;
using Sre.Tools.Model;
using Sre.Tools.Synthesis;
using static Sre.Actors.Sessions.SessionCommands;
using static Sre.Actors.Sessions.SessionEffects;
using static Sre.Actors.Sessions.SessionEvents;
using static Sre.Actors.Sessions.SessionSignals;

namespace Sre.Actors.Tests.Sessions;

/// <summary>The session state machine as a pure function: no actor system involved.</summary>
public sealed class SessionDeciderTests
{
    private const string Id = "s-test";
    private const string DbRef = "op://Infrastructure/prod-db";
    private const string K8sRef = "op://Infrastructure/k8s-readonly";
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 20, 0, 0, TimeSpan.Zero);
    private static readonly SessionPolicy Policy = new() { ApprovalTimeout = TimeSpan.FromMinutes(15), AgentDeadline = TimeSpan.FromSeconds(30) };
    private static readonly Principal Alice = new("alice", [Principal.Requester]);
    private static readonly Principal Bob = new("bob", [Principal.Approver]);

    private static readonly DiagnosisPlan TwoAgentPlan = new()
    {
        Assignments =
        [
            new AgentAssignment(AgentKind.Database, "prod-db", ["reachability", "connections"], DbRef, "db"),
            new AgentAssignment(AgentKind.Kubernetes, "prod-k8s", ["pods"], K8sRef, "k8s"),
        ],
        Access =
        [
            new AccessRequest(DbRef, "read-only", "inspect connections", [AgentKind.Database]),
            new AccessRequest(K8sRef, "read-only", "inspect pods", [AgentKind.Kubernetes]),
        ],
    };

    /// <summary>Decides and applies, like the actor does after persisting.</summary>
    private static (SessionState State, SessionDecision Decision) Run(SessionState state, ISessionCommand command, DateTimeOffset? at = null)
    {
        var decision = SessionDecider.Decide(state, command, at ?? T0, Policy);
        return (decision.Events.Aggregate(state, (s, e) => s.Apply(e)), decision);
    }

    private static SessionState Started() =>
        Run(SessionState.Empty(Id), new StartDiagnosis(Id, new DiagnosisRequest("Diagnose the database connection failures in prod", "prod"), Alice)).State;

    private static SessionState Waiting() => Run(Started(), new PlanReady(Id, TwoAgentPlan)).State;

    private static SessionState Approved(IReadOnlyList<string>? refs = null) => Run(Waiting(), new Approve(Id, Bob, refs)).State;

    private static SessionState Diagnosing() =>
        Run(Approved(), new CredentialsLeased(Id,
            [new CredentialHandle("h1", DbRef, [AgentKind.Database], T0.AddMinutes(15)), new CredentialHandle("h2", K8sRef, [AgentKind.Kubernetes], T0.AddMinutes(15))], [])).State;

    private static Finding Observation(string title, Severity severity = Severity.Critical) => new()
    {
        Agent = "ignored", Target = "ignored", Check = "connections", Severity = severity, Title = title,
    };

    [Fact]
    public void Starting_a_session_records_the_request_and_asks_for_a_plan()
    {
        var (state, decision) = Run(SessionState.Empty(Id), new StartDiagnosis(Id, new DiagnosisRequest("db down", "prod"), Alice));
        Assert.True(state.Exists);
        Assert.Equal(SessionPhase.Analyzing, state.Phase);
        Assert.Equal("alice", state.Requester);
        Assert.Contains(decision.Effects, e => e is RequestPlan);
        Assert.Contains(decision.Effects, e => e is RecordAudit { Kind: "request" });
        Assert.Same(SessionDecision.ReplyWithStatus, decision.Reply);
    }

    [Fact]
    public void Starting_an_existing_session_again_is_rejected()
    {
        var (_, decision) = Run(Started(), new StartDiagnosis(Id, new DiagnosisRequest("again", "prod"), Alice));
        Assert.Empty(decision.Events);
        Assert.Equal(RejectionKind.Conflict, Assert.IsType<SessionReplies.Rejected>(decision.Reply).Kind);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("report")]
    [InlineData("approve")]
    [InlineData("cancel")]
    public void Commands_for_an_unknown_session_are_answered_not_found_and_change_nothing(string which)
    {
        ISessionCommand command = which switch
        {
            "status" => new GetStatus(Id),
            "report" => new GetReport(Id),
            "approve" => new Approve(Id, Bob),
            _ => new Cancel(Id, Bob),
        };
        var (state, decision) = Run(SessionState.Empty(Id), command);
        Assert.False(state.Exists);
        Assert.Empty(decision.Events);
        Assert.Equal(RejectionKind.NotFound, Assert.IsType<SessionReplies.Rejected>(decision.Reply).Kind);
    }

    [Fact]
    public void A_plan_that_needs_credentials_waits_for_input_with_a_prompt_listing_every_reference()
    {
        var (state, decision) = Run(Started(), new PlanReady(Id, TwoAgentPlan));
        Assert.Equal(SessionPhase.WaitingForInput, state.Phase);
        Assert.Contains(DbRef, state.Prompt);
        Assert.Contains(K8sRef, state.Prompt);
        Assert.Contains("read-only", state.Prompt);
        Assert.Equal(T0 + Policy.ApprovalTimeout, state.ApprovalExpiresAt);
        Assert.Contains(decision.Effects, e => e is ScheduleApprovalTimeout t && t.At == T0 + Policy.ApprovalTimeout);
        Assert.IsType<ApprovalRequested>(decision.Events[1]);
    }

    [Fact]
    public void A_plan_without_credentials_goes_straight_to_diagnosing_and_dispatches_its_agents()
    {
        var plan = new DiagnosisPlan { Assignments = [new AgentAssignment(AgentKind.Logs, "app-logs", ["errors"], null, "logs")], Access = [] };
        var (state, decision) = Run(Started(), new PlanReady(Id, plan));
        Assert.Equal(SessionPhase.Diagnosing, state.Phase);
        var dispatch = Assert.Single(decision.Effects.OfType<DispatchAgent>());
        Assert.Null(dispatch.Handle);
        Assert.Equal(AgentRunState.Running, state.Agents.Single().State);
    }

    [Fact]
    public void A_plan_with_nothing_to_examine_is_synthesized_at_once_with_an_error_event()
    {
        var plan = new DiagnosisPlan { Assignments = [], Access = [], Warnings = ["no agents"] };
        var (state, decision) = Run(Started(), new PlanReady(Id, plan));
        Assert.Equal(SessionPhase.Synthesizing, state.Phase);
        Assert.Contains(decision.Events, e => e is SessionError);
        Assert.Contains(decision.Effects, e => e is RequestSynthesis);
    }

    [Fact]
    public void Approving_leases_exactly_the_approved_references()
    {
        var (state, decision) = Run(Waiting(), new Approve(Id, Bob));
        Assert.Equal(SessionPhase.RetrievingCredentials, state.Phase);
        var lease = Assert.Single(decision.Effects.OfType<LeaseCredentials>());
        Assert.Equal([DbRef, K8sRef], lease.Items.Select(i => i.Reference));
        Assert.Equal([AgentKind.Database], lease.Items[0].Agents);
        Assert.Equal(T0 + Policy.CredentialTtl, lease.ExpiresAt);
        Assert.Equal("bob", state.Approvals.Single().Principal);
    }

    [Fact]
    public void Approving_a_session_that_was_already_approved_is_rejected()
    {
        var (_, decision) = Run(Approved(), new Approve(Id, Bob));
        var rejected = Assert.IsType<SessionReplies.Rejected>(decision.Reply);
        Assert.Equal(RejectionKind.Conflict, rejected.Kind);
        Assert.Contains("already approved", rejected.Title);
    }

    [Fact]
    public void Approving_a_session_that_is_diagnosing_is_rejected()
    {
        var (_, decision) = Run(Diagnosing(), new Approve(Id, Bob));
        Assert.Equal(RejectionKind.Conflict, Assert.IsType<SessionReplies.Rejected>(decision.Reply).Kind);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Approving_after_a_denial_is_rejected_and_says_it_was_denied()
    {
        var denied = Run(Waiting(), new Deny(Id, Bob, "not now")).State;
        Assert.Equal(SessionPhase.Denied, denied.Phase);
        var (after, decision) = Run(denied, new Approve(Id, Bob));
        var rejected = Assert.IsType<SessionReplies.Rejected>(decision.Reply);
        Assert.Equal(RejectionKind.Conflict, rejected.Kind);
        Assert.Contains("denied", rejected.Title);
        Assert.Equal(SessionPhase.Denied, after.Phase);
    }

    [Fact]
    public void A_requester_without_the_approver_role_cannot_approve_and_the_refusal_is_audited()
    {
        var (state, decision) = Run(Waiting(), new Approve(Id, Alice));
        Assert.Equal(RejectionKind.Forbidden, Assert.IsType<SessionReplies.Rejected>(decision.Reply).Kind);
        Assert.Contains(decision.Effects, e => e is RecordAudit { Kind: "refusal", Principal: "alice" });
        Assert.Equal(SessionPhase.WaitingForInput, state.Phase);
    }

    [Fact]
    public void With_the_two_person_rule_the_requester_cannot_approve_their_own_session()
    {
        var carol = new Principal("carol", [Principal.Requester, Principal.Approver]);
        var state = Run(SessionState.Empty(Id), new StartDiagnosis(Id, new DiagnosisRequest("x", "prod"), carol)).State;
        state = Run(state, new PlanReady(Id, TwoAgentPlan)).State;
        var strict = Policy with { RequireDistinctApprover = true };
        var decision = SessionDecider.Decide(state, new Approve(Id, carol), T0, strict);
        Assert.Equal(RejectionKind.Forbidden, Assert.IsType<SessionReplies.Rejected>(decision.Reply).Kind);
        Assert.NotEmpty(SessionDecider.Decide(state, new Approve(Id, Bob), T0, strict).Events);
    }

    [Fact]
    public void Approving_a_reference_the_session_did_not_request_is_a_bad_request()
    {
        var (_, decision) = Run(Waiting(), new Approve(Id, Bob, ["op://Infrastructure/root"]));
        var rejected = Assert.IsType<SessionReplies.Rejected>(decision.Reply);
        Assert.Equal(RejectionKind.BadRequest, rejected.Kind);
        Assert.Contains(DbRef, rejected.Detail);
    }

    [Fact]
    public void Partial_approval_runs_only_the_agents_whose_credential_was_approved()
    {
        var state = Approved([DbRef.ToUpperInvariant()]);
        Assert.Equal([DbRef], state.ApprovedReferences);
        var (after, decision) = Run(state, new CredentialsLeased(Id, [new CredentialHandle("h1", DbRef, [AgentKind.Database], T0.AddMinutes(15))], []));
        Assert.Equal(SessionPhase.Diagnosing, after.Phase);
        Assert.Equal(AgentKind.Database, Assert.Single(decision.Effects.OfType<DispatchAgent>()).Assignment.Agent);
        var k8s = after.Agents.Single(a => a.Assignment.Agent == AgentKind.Kubernetes);
        Assert.Equal(AgentRunState.NotApproved, k8s.State);
        Assert.Contains("not approved", k8s.Error);
    }

    [Fact]
    public void Denying_ends_the_session_and_revokes_credentials()
    {
        var (state, decision) = Run(Waiting(), new Deny(Id, Bob, "too risky"));
        Assert.Equal(SessionPhase.Denied, state.Phase);
        Assert.Contains("too risky", state.EndReason);
        Assert.Contains(decision.Effects, e => e is RevokeCredentials);
        Assert.Contains(decision.Effects, e => e is RecordAudit { Kind: "denial" });
    }

    [Fact]
    public void The_approval_timeout_expires_the_session_but_an_early_timer_only_re_arms()
    {
        var waiting = Waiting();
        var early = Run(waiting, new ApprovalTimeoutReached(Id), T0.AddMinutes(1));
        Assert.Equal(SessionPhase.WaitingForInput, early.State.Phase);
        Assert.Contains(early.Decision.Effects, e => e is ScheduleApprovalTimeout);

        var late = Run(waiting, new ApprovalTimeoutReached(Id), T0.AddMinutes(16));
        Assert.Equal(SessionPhase.Expired, late.State.Phase);
        Assert.Contains(late.Decision.Effects, e => e is RecordAudit { Kind: "expiry" });
        Assert.Equal(RejectionKind.Conflict, Assert.IsType<SessionReplies.Rejected>(Run(late.State, new Approve(Id, Bob)).Decision.Reply).Kind);
    }

    [Fact]
    public void A_credential_that_could_not_be_fetched_fails_its_agent_but_not_the_session()
    {
        var (state, _) = Run(Approved(), new CredentialsLeased(Id,
            [new CredentialHandle("h1", DbRef, [AgentKind.Database], T0.AddMinutes(15))],
            [new CredentialFailure(K8sRef, "item not found")]));
        Assert.Equal(SessionPhase.Diagnosing, state.Phase);
        Assert.Equal(AgentRunState.Failed, state.Agents.Single(a => a.Assignment.Agent == AgentKind.Kubernetes).State);
        Assert.Contains(state.Errors, e => e.Contains("item not found"));
    }

    [Fact]
    public void When_no_credential_could_be_fetched_the_session_fails_with_the_reasons()
    {
        var (state, decision) = Run(Approved(), new CredentialsLeased(Id, [], [new CredentialFailure(DbRef, "401"), new CredentialFailure(K8sRef, "401")]));
        Assert.Equal(SessionPhase.Failed, state.Phase);
        Assert.Contains("401", state.EndReason);
        Assert.Contains(decision.Effects, e => e is RevokeCredentials);
    }

    [Fact]
    public void Findings_get_sequential_ids_and_the_session_names_their_agent_and_target()
    {
        var state = Diagnosing();
        state = Run(state, new AgentFindingReported(Id, "database:prod-db", 1, Observation("one"))).State;
        state = Run(state, new AgentFindingReported(Id, "kubernetes:prod-k8s", 1, Observation("two"))).State;
        Assert.Equal(["f-1", "f-2"], state.Findings.Select(f => f.Id));
        Assert.Equal(("database", "prod-db"), (state.Findings[0].Agent, state.Findings[0].Target));
        Assert.Equal(1, state.FindAgent("database:prod-db")!.Findings);
    }

    [Fact]
    public void Findings_from_a_stale_attempt_or_an_unknown_agent_are_ignored()
    {
        var state = Diagnosing();
        Assert.Empty(Run(state, new AgentFindingReported(Id, "database:prod-db", 7, Observation("old"))).Decision.Events);
        Assert.Empty(Run(state, new AgentFindingReported(Id, "logs:nowhere", 1, Observation("who"))).Decision.Events);
    }

    [Fact]
    public void When_every_agent_has_finished_the_session_synthesizes()
    {
        var state = Diagnosing();
        var first = Run(state, new AgentFinished(Id, "database:prod-db", 1, AgentRunState.Completed, 120, null));
        Assert.Equal(SessionPhase.Diagnosing, first.State.Phase);
        var second = Run(first.State, new AgentFinished(Id, "kubernetes:prod-k8s", 1, AgentRunState.Failed, 80, "boom"));
        Assert.Equal(SessionPhase.Synthesizing, second.State.Phase);
        Assert.Contains(second.Decision.Effects, e => e is RequestSynthesis);
        Assert.Equal(120, second.State.FindAgent("database:prod-db")!.DurationMs);
    }

    [Fact]
    public void A_hung_agent_is_marked_timed_out_at_its_deadline_and_the_session_moves_on()
    {
        var state = Run(Diagnosing(), new AgentFinished(Id, "kubernetes:prod-k8s", 1, AgentRunState.Completed, 10, null)).State;
        var early = Run(state, new AgentDeadlineReached(Id, "database:prod-db", 1), T0.AddSeconds(5));
        Assert.Empty(early.Decision.Events);
        var (after, decision) = Run(state, new AgentDeadlineReached(Id, "database:prod-db", 1), T0.AddSeconds(31));
        Assert.Equal(AgentRunState.TimedOut, after.FindAgent("database:prod-db")!.State);
        Assert.Contains(after.Findings, f => f.Check == "deadline" && f.Severity == Severity.Warning);
        Assert.Equal(SessionPhase.Synthesizing, after.Phase);
        // A late answer from the hung agent changes nothing.
        Assert.Empty(Run(after, new AgentFinished(Id, "database:prod-db", 1, AgentRunState.Completed, 40000, null)).Decision.Events);
        Assert.Contains(decision.Effects, e => e is RequestSynthesis);
    }

    [Fact]
    public void A_synthesis_completes_the_session_with_a_report_citing_its_findings()
    {
        var state = Diagnosing();
        state = Run(state, new AgentFindingReported(Id, "database:prod-db", 1, Observation("Connections at 97%"))).State;
        state = Run(state, new AgentFinished(Id, "database:prod-db", 1, AgentRunState.Completed, 100, null)).State;
        state = Run(state, new AgentFinished(Id, "kubernetes:prod-k8s", 1, AgentRunState.Completed, 100, null)).State;
        var synthesis = new Synthesis(new RootCause(RootCauseCategory.DbConnectionExhaustion, "app holds all", 0.9, ["f-1"]), [], [], [], [], "rules");
        var (done, decision) = Run(state, new SynthesisReady(Id, synthesis), T0.AddMinutes(2));
        Assert.Equal(SessionPhase.Completed, done.Phase);
        Assert.Equal(RootCauseCategory.DbConnectionExhaustion, done.Report!.RootCause.Category);
        Assert.Equal("f-1", done.Report.Findings.Single().Id);
        Assert.Equal("bob", done.Report.Approvals.Single().Principal);
        Assert.Contains(decision.Effects, e => e is RevokeCredentials);
        Assert.Same(SessionDecision.ReplyWithReport, Run(done, new GetReport(Id)).Decision.Reply);
    }

    [Fact]
    public void The_report_of_an_unfinished_session_is_a_conflict_that_says_how_to_follow_it()
    {
        var rejected = Assert.IsType<SessionReplies.Rejected>(Run(Waiting(), new GetReport(Id)).Decision.Reply);
        Assert.Equal(RejectionKind.Conflict, rejected.Kind);
        Assert.Contains("/stream/", rejected.Detail);
    }

    [Fact]
    public void Cancelling_a_running_session_stops_its_agents_and_revokes_credentials()
    {
        var (state, decision) = Run(Diagnosing(), new Cancel(Id, Alice, "wrong env"));
        Assert.Equal(SessionPhase.Cancelled, state.Phase);
        Assert.All(state.Agents, a => Assert.Equal(AgentRunState.Cancelled, a.State));
        Assert.Contains(decision.Effects, e => e is CancelAgents);
        Assert.Contains(decision.Effects, e => e is RevokeCredentials);
        Assert.Equal(RejectionKind.Conflict, Assert.IsType<SessionReplies.Rejected>(Run(state, new Cancel(Id, Alice)).Decision.Reply).Kind);
    }

    [Fact]
    public void Replaying_the_journal_rebuilds_the_same_state()
    {
        var events = new List<ISessionEvent>();
        var state = SessionState.Empty(Id);
        ISessionCommand[] commands =
        [
            new StartDiagnosis(Id, new DiagnosisRequest("db slow", "prod"), Alice),
            new PlanReady(Id, TwoAgentPlan),
            new Approve(Id, Bob, [DbRef]),
            new CredentialsLeased(Id, [new CredentialHandle("h1", DbRef, [AgentKind.Database], T0.AddMinutes(15))], []),
            new AgentFindingReported(Id, "database:prod-db", 1, Observation("locks")),
        ];
        foreach (var c in commands)
        {
            var d = SessionDecider.Decide(state, c, T0, Policy);
            events.AddRange(d.Events);
            state = d.Events.Aggregate(state, (s, e) => s.Apply(e));
        }
        var replayed = events.Aggregate(SessionState.Empty(Id), (s, e) => s.Apply(e));
        Assert.Equal(state.Phase, replayed.Phase);
        Assert.Equal(state.Findings, replayed.Findings);
        Assert.Equal(state.Agents, replayed.Agents);
        Assert.Equal(state.Handles, replayed.Handles);
        Assert.Equal(state.ApprovedReferences, replayed.ApprovedReferences);
    }

    [Fact]
    public void A_recovered_session_re_arms_its_approval_timer()
    {
        var resume = SessionDecider.Resume(Waiting(), T0.AddMinutes(3), Policy);
        Assert.Equal(T0 + Policy.ApprovalTimeout, Assert.IsType<ScheduleApprovalTimeout>(Assert.Single(resume.Effects)).At);
    }

    [Fact]
    public void A_recovered_diagnosing_session_re_leases_its_approved_credentials_then_re_runs_unfinished_agents()
    {
        var state = Run(Diagnosing(), new AgentFinished(Id, "kubernetes:prod-k8s", 1, AgentRunState.Completed, 5, null)).State;
        var resume = SessionDecider.Resume(state, T0.AddMinutes(1), Policy);
        var lease = Assert.IsType<LeaseCredentials>(Assert.Single(resume.Effects));
        // Only the credential an unfinished agent still needs is leased again.
        Assert.Equal([DbRef], lease.Items.Select(i => i.Reference));

        var (after, decision) = Run(state, new CredentialsLeased(Id, [new CredentialHandle("h9", DbRef, [AgentKind.Database], T0.AddMinutes(16))], []), T0.AddMinutes(1));
        var dispatch = Assert.Single(decision.Effects.OfType<DispatchAgent>());
        Assert.Equal(("database:prod-db", 2, "h9"), (dispatch.Assignment.Key, dispatch.Attempt, dispatch.Handle!.HandleId));
        Assert.Equal(2, after.FindAgent("database:prod-db")!.Attempt);
        Assert.Equal(AgentRunState.Completed, after.FindAgent("kubernetes:prod-k8s")!.State);
    }

    [Fact]
    public void An_agent_that_reports_completion_only_at_its_deadline_is_timed_out_whichever_message_arrives_first()
    {
        var state = Run(Diagnosing(), new AgentFinished(Id, "kubernetes:prod-k8s", 1, AgentRunState.Completed, 10, null)).State;
        var (after, _) = Run(state, new AgentFinished(Id, "database:prod-db", 1, AgentRunState.Completed, 30_000, null), T0.AddSeconds(30));
        Assert.Equal(AgentRunState.TimedOut, after.FindAgent("database:prod-db")!.State);
        Assert.Equal(30_000, after.FindAgent("database:prod-db")!.DurationMs);
        Assert.Contains(after.Findings, f => f.Check == "deadline");
        // The session's own timer, arriving second, changes nothing.
        Assert.Empty(Run(after, new AgentDeadlineReached(Id, "database:prod-db", 1), T0.AddSeconds(31)).Decision.Events);
    }
}
