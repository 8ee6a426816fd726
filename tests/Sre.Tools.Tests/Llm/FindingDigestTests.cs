using System.Text.Json.Nodes;
using Sre.Tools.Llm;
using Sre.Tools.Model;
using static Sre.Tools.Tests.Llm.LlmTestWorld;

namespace Sre.Tools.Tests.Llm;

public sealed class FindingDigestTests
{
    [Fact]
    public void Within_the_budget_the_most_severe_findings_are_kept_and_the_rest_listed_by_id()
    {
        var findings = Enumerable.Range(1, 40)
            .Select(i => Finding($"f-{i}", "logs", "app-logs", "errors", Severity.Info, $"template {i}", new string('x', 400), minutesAgo: i))
            .Append(Finding("f-41", "database", "prod-db", "connections", Severity.Critical, "slots exhausted", "29/30", minutesAgo: 120))
            .Append(Finding("f-42", "kubernetes", "prod-k8s", "pods", Severity.Warning, "2 restarts", minutesAgo: 60))
            .ToList();

        var digest = FindingDigest.Build(findings, tokenBudget: 1200, LlmRedaction.Default);

        var kept = digest["findings"]!.AsArray().Select(f => f!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(["f-41", "f-42", "f-1"], kept.Take(3)); // severity first, then the most recent
        var omitted = digest["omitted"]!["ids"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Equal(42, kept.Count + omitted.Count);
        Assert.NotEmpty(omitted);
        Assert.DoesNotContain("f-41", omitted);
        var relaxed = new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        Assert.True(FindingDigest.EstimateTokens(digest["findings"]!.ToJsonString(relaxed)) <= 1200 + kept.Count);
    }

    [Fact]
    public void Large_data_is_summarised_structurally_never_cut_mid_json()
    {
        var rows = new JsonArray(Enumerable.Range(0, 2000).Select(i => (JsonNode?)new JsonObject { ["pid"] = i, ["query"] = new string('q', 500) }).ToArray());
        var finding = Finding("f-1", "database", "prod-db", "locks", Severity.Critical, "lock pile-up", data: new JsonObject
        {
            ["waiters"] = 2000,
            ["rootBlocker"] = new JsonObject { ["pid"] = 42, ["application"] = "billing" },
            ["rows"] = rows,
        });

        var digest = FindingDigest.Build([finding], tokenBudget: 6000, LlmRedaction.Default);

        var data = digest["findings"]![0]!["data"]!.AsObject();
        Assert.True(data["_summarised"]!.GetValue<bool>());
        Assert.Equal(2000, data["waiters"]!.GetValue<int>());
        Assert.Equal("billing", data["rootBlocker"]!["application"]!.GetValue<string>());
        Assert.Equal(2000, data["rows"]!["count"]!.GetValue<int>());
        Assert.Equal(FindingDigest.MaxArrayItems, data["rows"]!["first"]!.AsArray().Count);
        Assert.True(data["rows"]!["first"]![0]!["query"]!.GetValue<string>().Length <= FindingDigest.MaxStringChars + 1);
        Assert.NotNull(JsonNode.Parse(digest.ToJsonString())); // whole JSON
    }

    [Fact]
    public void A_severe_finding_too_large_for_what_is_left_is_kept_in_compact_form()
    {
        var finding = Finding("f-1", "database", "prod-db", "connections", Severity.Critical, "slots exhausted", new string('d', 5000),
            new JsonObject { ["blob"] = new string('b', 5000) });

        var digest = FindingDigest.Build([finding], tokenBudget: 300, LlmRedaction.Default);

        var kept = Assert.Single(digest["findings"]!.AsArray())!;
        Assert.Null(kept["data"]);
        Assert.True(kept["detail"]!.GetValue<string>().Length <= FindingDigest.MaxStringChars + 1);
    }
}
