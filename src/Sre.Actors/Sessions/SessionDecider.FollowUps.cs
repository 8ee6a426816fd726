using Sre.Tools.Model;
using Sre.Tools.Planning;
using static Sre.Actors.Sessions.SessionEffects;
using static Sre.Actors.Sessions.SessionEvents;
using static Sre.Actors.Sessions.SessionSignals;

namespace Sre.Actors.Sessions;

/// <summary>Iterative investigation: when every agent has finished, the investigator (the LLM, when
/// one is configured) may ask for a bounded number of follow-up rounds. Follow-ups that need a
/// credential not yet approved go back to waiting_for_input with a narrower prompt; denying or
/// ignoring that prompt skips those checks and the session finishes with what it has.</summary>
public static partial class SessionDecider
{
    /// <summary>What comes after the last agent of a round: another round or the synthesis.</summary>
    private static SessionDecision AfterAgents(SessionState after, IReadOnlyList<ISessionEvent> events, DateTimeOffset now, SessionPolicy policy)
    {
        if (after.FollowUpRound < policy.MaxFollowUpRounds && !after.FollowUpsDone && after.Findings.Count > 0)
            return new SessionDecision(events, [new RequestFollowUp(after.FollowUpRound + 1)], null);
        return new SessionDecision([.. events, new PhaseChanged(SessionPhase.Synthesizing, null, now)], [new RequestSynthesis()], null);
    }

    private static SessionDecision OnFollowUpReady(SessionState state, FollowUpReady ready, DateTimeOffset now, SessionPolicy policy)
    {
        if (state.Phase != SessionPhase.Diagnosing || !state.AllAgentsFinished || ready.Round != state.FollowUpRound + 1)
            return SessionDecision.Nothing;
        var f = ready.FollowUp;
        var events = new List<ISessionEvent>
        {
            new FollowUpPlanned(ready.Round, f.Ready, f.NeedsApproval, f.Access, f.Rationale, f.Done, f.LlmCalls, now),
        };
        if (f.LlmCalls.Any(c => !c.Succeeded))
            events.Add(new SessionError("The model's follow-up could not be used; the investigation continues with what it has",
                f.Warnings.FirstOrDefault() ?? f.LlmCalls.First(c => !c.Succeeded).Error ?? "the model call failed", now));
        var after = events.Aggregate(state, (s, e) => s.Apply(e));

        if (f.NeedsApproval.Count > 0 && f.Access.Count > 0)
        {
            var expires = now + policy.ApprovalTimeout;
            var plan = new DiagnosisPlan { Assignments = f.NeedsApproval, Access = f.Access, Rationale = f.Rationale, Warnings = f.Warnings };
            events.Add(new ApprovalRequested(ApprovalPrompt.RenderFollowUp(state.SessionId, state.Request!, plan, ready.Round, expires), f.Access, expires, now));
            events.Add(new PhaseChanged(SessionPhase.WaitingForInput, null, now));
            return new SessionDecision(events, [new ScheduleApprovalTimeout(expires)], null);
        }

        var start = StartAgents(after, now, policy);
        return new SessionDecision([.. events, .. start.Events], start.Effects, null);
    }

    /// <summary>A follow-up approval that was denied or expired: the session does not end, it runs
    /// what needs no new credential (the rest ends "not approved") and finishes.</summary>
    private static SessionDecision SkipFollowUpApproval(SessionState state, ISessionEvent decision, RecordAudit audit, DateTimeOffset now, SessionPolicy policy, object? reply)
    {
        var events = new List<ISessionEvent> { decision, new PhaseChanged(SessionPhase.Diagnosing, null, now) };
        var after = events.Aggregate(state, (s, e) => s.Apply(e));
        var start = StartAgents(after, now, policy);
        return new SessionDecision([.. events, .. start.Events], [audit, .. start.Effects], reply);
    }
}
