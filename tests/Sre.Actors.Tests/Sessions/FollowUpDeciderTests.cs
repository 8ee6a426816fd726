using Sre.Actors.Sessions;
using Sre.Tools.Llm;
using Sre.Tools.Model;
using static Sre.Actors.Sessions.SessionCommands;
using static Sre.Actors.Sessions.SessionEffects;
using static Sre.Actors.Sessions.SessionEvents;
using static Sre.Actors.Sessions.SessionSignals;

namespace Sre.Actors.Tests.Sessions;

/// <summary>Iterative investigation as pure decisions: bounded follow-up rounds, a narrower second
/// approval, and what denial or silence means for a follow-up.</summary>
public sealed class FollowUpDeciderTests
{
    private const string Id = "s-fu";
    private const string DbRef = "op://Infrastructure/prod-db";
    private const string ReplicaRef = "op://Infrastructure/replica-db";
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 20, 0, 0, TimeSpan.Zero);
    private static readonly SessionPolicy Policy = new() { MaxFollowUpRounds = 2 };
    private static readonly Principal Bob = new("bob", [Principal.Requester, Principal.Approver]);
    private static readonly AgentAssignment Db = new(AgentKind.Database, "prod-db", ["connections"], DbRef, "db");
    private static readonly AgentAssignment Replica = new(AgentKind.Database, "replica-db", ["replication"], ReplicaRef, "replica");

    private static (SessionState State, SessionDecision Decision) Run(SessionState state, ISessionCommand command, SessionPolicy? policy = null)
    {
        var decision = SessionDecider.Decide(state, command, T0, policy ?? Policy);
        return (decision.Events.Aggregate(state, (s, e) => s.Apply(e)), decision);
    }

    /// <summary>The first round ran to completion with one finding.</summary>
    private static (SessionState State, SessionDecision Decision) FirstRoundDone(SessionPolicy? policy = null)
    {
        var plan = new DiagnosisPlan { Assignments = [Db], Access = [new AccessRequest(DbRef, "read-only", "db", [AgentKind.Database])] };
        var s = Run(SessionState.Empty(Id), new StartDiagnosis(Id, new DiagnosisRequest("replica is stale", "prod"), Bob), policy).State;
        s = Run(s, new PlanReady(Id, plan), policy).State;
        s = Run(s, new Approve(Id, Bob), policy).State;
        s = Run(s, new CredentialsLeased(Id, [new CredentialHandle("h1", DbRef, [AgentKind.Database], T0.AddMinutes(15))], []), policy).State;
        s = Run(s, new AgentFindingReported(Id, Db.Key, 1, new Finding { Agent = "database", Target = "prod-db", Check = "connections", Severity = Severity.Warning, Title = "lag suspected" }), policy).State;
        return Run(s, new AgentFinished(Id, Db.Key, 1, AgentRunState.Completed, 10, null), policy);
    }

    [Fact]
    public void When_the_first_round_ends_the_investigator_is_asked_before_any_synthesis()
    {
        var (state, decision) = FirstRoundDone();
        Assert.Equal(SessionPhase.Diagnosing, state.Phase);
        Assert.Equal(1, Assert.Single(decision.Effects.OfType<RequestFollowUp>()).Round);
        Assert.DoesNotContain(decision.Effects, e => e is RequestSynthesis);
    }

    [Fact]
    public void Without_follow_ups_configured_the_session_synthesizes_at_once()
    {
        var (state, decision) = FirstRoundDone(new SessionPolicy { MaxFollowUpRounds = 0 });
        Assert.Equal(SessionPhase.Synthesizing, state.Phase);
        Assert.Contains(decision.Effects, e => e is RequestSynthesis);
    }

    [Fact]
    public void A_follow_up_needing_a_new_credential_asks_again_with_a_narrower_prompt()
    {
        var (state, _) = FirstRoundDone();
        var followUp = new FollowUp { NeedsApproval = [Replica], Access = [new AccessRequest(ReplicaRef, "read-only", "check the standby", [AgentKind.Database])], Rationale = "lag points at the standby" };
        var (waiting, decision) = Run(state, new FollowUpReady(Id, 1, followUp));
        Assert.Equal(SessionPhase.WaitingForInput, waiting.Phase);
        Assert.Contains(ReplicaRef, waiting.Prompt);
        Assert.DoesNotContain(DbRef, waiting.Prompt);
        Assert.Equal([ReplicaRef], waiting.RequestedAccess.Select(a => a.Reference));
        Assert.Contains(decision.Effects, e => e is ScheduleApprovalTimeout);

        var (approved, approve) = Run(waiting, new Approve(Id, Bob));
        Assert.Equal([ReplicaRef], Assert.Single(approve.Effects.OfType<LeaseCredentials>()).Items.Select(i => i.Reference));
        var (diagnosing, lease) = Run(approved, new CredentialsLeased(Id, [new CredentialHandle("h2", ReplicaRef, [AgentKind.Database], T0.AddMinutes(15))], []));
        Assert.Equal(SessionPhase.Diagnosing, diagnosing.Phase);
        var dispatch = Assert.Single(lease.Effects.OfType<DispatchAgent>());
        Assert.Equal("replica-db", dispatch.Assignment.Target);
        Assert.Equal("h2", dispatch.Handle!.HandleId);
    }

    [Fact]
    public void Denying_a_follow_up_skips_its_checks_and_the_session_still_finishes()
    {
        var (state, _) = FirstRoundDone();
        var followUp = new FollowUp { NeedsApproval = [Replica], Access = [new AccessRequest(ReplicaRef, "read-only", "standby", [AgentKind.Database])], Done = true };
        var waiting = Run(state, new FollowUpReady(Id, 1, followUp)).State;
        var (after, decision) = Run(waiting, new Deny(Id, Bob, "not the replica"));
        Assert.Equal(SessionPhase.Synthesizing, after.Phase);
        Assert.Equal(AgentRunState.NotApproved, after.Agents.Single(a => a.Assignment.Target == "replica-db").State);
        Assert.Contains(decision.Effects, e => e is RequestSynthesis);
        Assert.Contains(decision.Effects, e => e is RecordAudit { Kind: "denial" });
        Assert.Single(after.Findings);
    }

    [Fact]
    public void A_follow_up_of_an_agent_that_already_ran_gets_its_own_run_key()
    {
        var (state, _) = FirstRoundDone();
        var again = Db with { Checks = ["locks"] };
        var (after, decision) = Run(state, new FollowUpReady(Id, 1, new FollowUp { Ready = [again] }));
        Assert.Equal(["database:prod-db", "database:prod-db#1"], after.Agents.Select(a => a.Key));
        Assert.Equal("database:prod-db#1", Assert.Single(decision.Effects.OfType<DispatchAgent>()).Key);
        Assert.Equal("h1", decision.Effects.OfType<DispatchAgent>().Single().Handle!.HandleId);
    }

    [Fact]
    public void Rounds_are_bounded_and_a_done_investigator_ends_them()
    {
        var (state, _) = FirstRoundDone();
        var round1 = Run(state, new FollowUpReady(Id, 1, new FollowUp { Ready = [Db with { Checks = ["locks"] }] })).State;
        var (round1Done, d1) = Run(round1, new AgentFinished(Id, "database:prod-db#1", 1, AgentRunState.Completed, 5, null));
        Assert.Equal(2, Assert.Single(d1.Effects.OfType<RequestFollowUp>()).Round);
        var (final, d2) = Run(round1Done, new FollowUpReady(Id, 2, FollowUp.Finished()));
        Assert.Equal(SessionPhase.Synthesizing, final.Phase);
        Assert.Contains(d2.Effects, e => e is RequestSynthesis);
        // A stale or duplicate answer changes nothing.
        Assert.Empty(Run(final, new FollowUpReady(Id, 2, FollowUp.Finished())).Decision.Events);
    }

    [Fact]
    public void A_failed_model_call_is_recorded_as_an_error_event_and_its_usage_is_kept()
    {
        var call = new LlmCall { Purpose = "plan", Model = "m", Outcome = LlmOutcome.Timeout, LatencyMs = 1200, Error = "timed out after 1 s" };
        var plan = new DiagnosisPlan { Assignments = [Db], Access = [], Planner = "rules", Warnings = ["The model did not answer in time; the rule-based plan is used."], LlmCalls = [call] };
        var s = Run(SessionState.Empty(Id), new StartDiagnosis(Id, new DiagnosisRequest("db", "prod"), Bob)).State;
        var (state, decision) = Run(s, new PlanReady(Id, plan));
        var error = Assert.Single(decision.Events.OfType<SessionError>());
        Assert.Contains("rule-based plan", error.Title);
        Assert.Equal(1200, SessionStatus.From(state).Llm!.LatencyMs);
    }
}
