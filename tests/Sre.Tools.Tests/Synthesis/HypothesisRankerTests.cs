using Sre.Tools.Model;
using Sre.Tools.Synthesis;

namespace Sre.Tools.Tests.Synthesis;

public sealed class HypothesisRankerTests
{
    private static Hypothesis H(string category, double confidence, params string[] explains) => new()
    {
        Category = category, Summary = category, Evidence = ["f-1"], Confidence = confidence, Explains = explains,
    };

    [Fact]
    public void A_cause_ranks_before_the_symptom_it_explains_even_when_the_symptom_scores_higher()
    {
        var ranked = HypothesisRanker.Rank(
            [H(RootCauseCategory.LogsErrorSpike, 0.95), H(RootCauseCategory.DbConnectionExhaustion, 0.7, RootCauseCategory.LogsErrorSpike)],
            "errors in checkout");
        Assert.Equal(RootCauseCategory.DbConnectionExhaustion, ranked[0].Category);
    }

    [Fact]
    public void A_weak_cause_does_not_push_a_confident_hypothesis_down()
    {
        var ranked = HypothesisRanker.Rank(
            [H(RootCauseCategory.DbLockContention, 0.9), H(RootCauseCategory.DbTableBloat, 0.3, RootCauseCategory.DbLockContention)],
            "checkout is slow");
        Assert.Equal(RootCauseCategory.DbLockContention, ranked[0].Category);
    }

    [Fact]
    public void The_reported_symptom_breaks_a_tie_between_equally_confident_hypotheses()
    {
        var ranked = HypothesisRanker.Rank(
            [H(RootCauseCategory.DbReplicationLag, 0.7), H(RootCauseCategory.DbConnectionExhaustion, 0.7)],
            "database connection failures");
        Assert.Equal(RootCauseCategory.DbConnectionExhaustion, ranked[0].Category);
    }
}
