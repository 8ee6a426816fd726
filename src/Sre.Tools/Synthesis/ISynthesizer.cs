using Sre.Tools.Model;

namespace Sre.Tools.Synthesis;

/// <summary>Findings → the root cause, contributing factors and recommendations. Every claim cites
/// finding ids that exist.</summary>
public interface ISynthesizer
{
    Task<Synthesis> SynthesizeAsync(SynthesisInput input, CancellationToken cancellationToken);
}

/// <summary>What a synthesizer gets: the question, what was found, and how the agents fared.</summary>
public sealed record SynthesisInput(
    DiagnosisRequest Request,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<AgentSummary> Agents);

/// <summary>The synthesizer's answer; the session wraps it into the full <see cref="Report"/>.</summary>
public sealed record Synthesis(
    RootCause RootCause,
    IReadOnlyList<ContributingFactor> ContributingFactors,
    IReadOnlyList<Recommendation> Recommendations,
    IReadOnlyList<string> Checked,
    IReadOnlyList<string> Notes,
    string Synthesizer)
{
    /// <summary>Model calls made for this synthesis (empty for the rules), for status, report and metrics.</summary>
    public IReadOnlyList<Sre.Tools.Llm.LlmCall> LlmCalls { get; init; } = [];

    /// <summary>The rule-based root cause when another synthesizer wrote the answer: the cross-check
    /// that <see cref="Notes"/> compare against.</summary>
    public RootCause? CrossCheck { get; init; }
}
