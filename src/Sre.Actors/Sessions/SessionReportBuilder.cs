using Sre.Tools.Model;
using Sre.Tools.Synthesis;

namespace Sre.Actors.Sessions;

/// <summary>Wraps a synthesis into the full report with the session's facts (findings of each
/// agent's latest attempt, agents, approvals, times).</summary>
public static class SessionReportBuilder
{
    public static Report Build(SessionState state, Synthesis synthesis, DateTimeOffset now) => new()
    {
        SessionId = state.SessionId,
        Problem = state.Request?.Problem ?? "",
        Environment = state.Request?.Environment ?? "",
        Phase = SessionPhase.Completed.ToWire(),
        RootCause = synthesis.RootCause,
        ContributingFactors = synthesis.ContributingFactors,
        Recommendations = synthesis.Recommendations,
        Findings = state.Findings,
        Agents = Agents(state),
        Approvals = state.Approvals,
        Checked = synthesis.Checked,
        Synthesizer = synthesis.Synthesizer,
        CrossCheck = synthesis.CrossCheck,
        // The plan's and follow-ups' calls are in the state; the synthesis adds its own.
        LlmCalls = [.. state.LlmCalls, .. synthesis.LlmCalls],
        Notes = [.. synthesis.Notes, .. state.Errors],
        StartedAt = state.CreatedAt,
        CompletedAt = now,
    };

    public static IReadOnlyList<AgentSummary> Agents(SessionState state) =>
        state.Agents.Select(a => new AgentSummary(a.Assignment.Agent, a.Assignment.Target, a.State.ToWire(), a.Findings, a.DurationMs)).ToList();

    public static SynthesisInput Input(SessionState state) =>
        new(state.Request!, state.Findings, Agents(state));
}
