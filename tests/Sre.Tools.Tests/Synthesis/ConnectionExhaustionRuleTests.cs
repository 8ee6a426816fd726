using System.Text.Json.Nodes;
using Sre.Tools.Model;
using Sre.Tools.Postgres;
using Sre.Tools.Synthesis;
using Sre.Tools.Synthesis.Rules;

namespace Sre.Tools.Tests.Synthesis;

public sealed class ConnectionExhaustionRuleTests
{
    private static SynthesisInput Usage(long total, long usable, string application = "checkout-svc", double oldestIdleSeconds = 600) => new(
        new DiagnosisRequest("checkout-svc: database connection failures in prod", "prod"),
        [new Finding
        {
            Id = "f-1", Agent = AgentKind.Database, Target = "prod-db", Check = PostgresChecks.Connections, Severity = Severity.Warning,
            Title = "usage",
            Data = new JsonObject
            {
                ["kind"] = PostgresFindingKinds.Usage, ["total"] = total, ["usable"] = usable,
                ["topApplication"] = application, ["topApplicationCount"] = total, ["topApplicationIdle"] = total,
                ["applications"] = new JsonArray(new JsonObject
                {
                    ["application"] = application, ["count"] = total, ["idle"] = total, ["oldestIdleSeconds"] = oldestIdleSeconds,
                }),
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
    [InlineData(60, "interval '30 seconds'")]
    [InlineData(7200, "interval '300 seconds'")]
    [InlineData(1.5, "interval '1 seconds'")]
    public void The_relief_ends_connections_idle_for_half_the_oldest_idle_age_at_most_five_minutes_so_it_frees_slots_now(double oldestIdle, string interval)
    {
        var h = Assert.Single(new ConnectionExhaustionRule().Evaluate(Usage(95, 100, oldestIdleSeconds: oldestIdle)));

        var relief = Assert.Single(h.Recommendations, r => r.Action.Contains("pg_terminate_backend"));
        Assert.Contains($"WHERE application_name = 'checkout-svc' AND state = 'idle' AND state_change < now() - {interval};", relief.Action);
        Assert.Equal("medium", relief.Risk);
    }

    [Fact]
    public void An_application_name_with_a_quote_stays_inside_its_literal_in_the_relief()
    {
        var h = Assert.Single(new ConnectionExhaustionRule().Evaluate(Usage(95, 100, application: "x' OR true --")));

        var relief = Assert.Single(h.Recommendations, r => r.Action.Contains("pg_terminate_backend"));
        Assert.Contains("WHERE application_name = 'x'' OR true --' AND state = 'idle'", relief.Action);
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
