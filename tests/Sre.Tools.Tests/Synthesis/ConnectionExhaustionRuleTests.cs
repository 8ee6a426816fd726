using System.Text.Json.Nodes;
using Sre.Tools.Model;
using Sre.Tools.Postgres;
using Sre.Tools.Synthesis;
using Sre.Tools.Synthesis.Rules;

namespace Sre.Tools.Tests.Synthesis;

public sealed class ConnectionExhaustionRuleTests
{
    private static SynthesisInput Usage(long total, long usable) => new(
        new DiagnosisRequest("checkout-svc: database connection failures in prod", "prod"),
        [new Finding
        {
            Id = "f-1", Agent = AgentKind.Database, Target = "prod-db", Check = PostgresChecks.Connections, Severity = Severity.Warning,
            Title = "usage",
            Data = new JsonObject
            {
                ["kind"] = PostgresFindingKinds.Usage, ["total"] = total, ["usable"] = usable,
                ["topApplication"] = "checkout-svc", ["topApplicationCount"] = total, ["topApplicationIdle"] = total,
            },
        }],
        [new AgentSummary(AgentKind.Database, "prod-db", "completed", 1, 100)]);

    [Fact]
    public void By_default_exhaustion_is_a_candidate_from_80_percent_of_usable_slots()
    {
        var rule = new ConnectionExhaustionRule();

        Assert.Equal(0.8, rule.UsageThreshold);
        Assert.Empty(rule.Evaluate(Usage(79, 100)));
        var h = Assert.Single(rule.Evaluate(Usage(80, 100)));
        Assert.Equal(RootCauseCategory.DbConnectionExhaustion, h.Category);
        Assert.Equal(0.6, h.Confidence, 3);
        Assert.Equal(0.95, Assert.Single(rule.Evaluate(Usage(100, 100))).Confidence, 3);
        Assert.Contains(RootCauseRules.All, r => r is ConnectionExhaustionRule { UsageThreshold: ConnectionExhaustionRule.DefaultUsageThreshold });
    }

    [Fact]
    public void A_configured_threshold_moves_where_exhaustion_starts_and_confidence_still_reaches_its_top_at_the_limit()
    {
        var rule = new ConnectionExhaustionRule(usageThreshold: 0.9);

        Assert.Empty(rule.Evaluate(Usage(85, 100)));
        Assert.Equal(0.6, Assert.Single(rule.Evaluate(Usage(90, 100))).Confidence, 3);
        Assert.Equal(0.775, Assert.Single(rule.Evaluate(Usage(95, 100))).Confidence, 3);
        Assert.Equal(0.95, Assert.Single(rule.Evaluate(Usage(100, 100))).Confidence, 3);

        var atTheLimit = new ConnectionExhaustionRule(usageThreshold: 1.0);
        Assert.Empty(atTheLimit.Evaluate(Usage(99, 100)));
        Assert.Equal(0.95, Assert.Single(atTheLimit.Evaluate(Usage(100, 100))).Confidence, 3);
    }

    [Fact]
    public void A_synthesizer_built_with_a_higher_threshold_finds_no_cause_below_it()
    {
        IRootCauseRule[] rules = [.. RootCauseRules.All.Where(r => r is not ConnectionExhaustionRule), new ConnectionExhaustionRule(0.95)];

        var lenient = new RuleBasedSynthesizer(rules).Synthesize(Usage(90, 100));
        var standard = new RuleBasedSynthesizer().Synthesize(Usage(90, 100));

        Assert.Equal(RootCauseCategory.Unknown, lenient.RootCause.Category);
        Assert.Equal(RootCauseCategory.DbConnectionExhaustion, standard.RootCause.Category);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.2)]
    [InlineData(double.NaN)]
    public void A_threshold_outside_zero_to_one_is_refused(double threshold)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionExhaustionRule(threshold));
    }
}
