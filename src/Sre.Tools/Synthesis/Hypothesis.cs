using Sre.Tools.Model;

namespace Sre.Tools.Synthesis;

/// <summary>A candidate explanation a rule proposes: a category, the culprit it names, the findings
/// behind it and what to do. The ranker decides which one is the root cause.</summary>
public sealed record Hypothesis
{
    public required string Category { get; init; }
    public required string Summary { get; init; }
    public string? Culprit { get; init; }
    public required IReadOnlyList<string> Evidence { get; init; }
    /// <summary>How sure the rule is that this is happening at all (0..1).</summary>
    public required double Confidence { get; init; }
    /// <summary>Categories this cause produces as symptoms; a hypothesis of such a category ranks below this one.</summary>
    public IReadOnlyList<string> Explains { get; init; } = [];
    public IReadOnlyList<Recommendation> Recommendations { get; init; } = [];
}
