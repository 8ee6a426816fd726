namespace Sre.Tools.Synthesis;

/// <summary>One piece of expert knowledge: looks at the findings and proposes hypotheses.</summary>
public interface IRootCauseRule
{
    IEnumerable<Hypothesis> Evaluate(SynthesisInput input);
}
