using System.Text;
using System.Text.Json;

namespace Sre.Host.Tests.Scenarios;

/// <summary>The report of one diagnosis run through the server (GET /report as JSON), read the way
/// the scenarios assert on it. <see cref="ToString"/> shows everything the agent saw, so a failing
/// scenario explains itself.</summary>
public sealed class SessionReport(string sessionId, JsonElement json)
{
    public string SessionId => sessionId;
    public JsonElement Json => json;
    public JsonElement RootCause => json.GetProperty("rootCause");
    public string Category => RootCause.GetProperty("category").GetString()!;
    public string Summary => RootCause.GetProperty("summary").GetString()!;
    public IReadOnlyList<string> Evidence => Strings(RootCause.GetProperty("evidence"));

    public IReadOnlyList<JsonElement> Findings => [.. json.GetProperty("findings").EnumerateArray()];
    public IReadOnlySet<string> FindingIds => Findings.Select(f => f.GetProperty("id").GetString()!).ToHashSet();

    public IEnumerable<JsonElement> FindingsOf(string check, string? kind = null) => Findings.Where(f =>
        f.GetProperty("check").GetString() == check && (kind is null || f.GetProperty("data").GetProperty("kind").GetString() == kind));

    public IReadOnlyList<(string Action, string Risk, IReadOnlyList<string> Evidence)> Recommendations =>
    [
        .. json.GetProperty("recommendations").EnumerateArray().Select(r =>
            (r.GetProperty("action").GetString()!, r.GetProperty("risk").GetString()!, Strings(r.GetProperty("evidence")))),
    ];

    public IReadOnlyList<(string? Category, string Summary)> ContributingFactors =>
    [
        .. json.GetProperty("contributingFactors").EnumerateArray().Select(c =>
            (c.TryGetProperty("category", out var k) ? k.GetString() : null, c.GetProperty("summary").GetString()!)),
    ];

    /// <summary>What every diagnosed scenario must show: the category, each of the culprit's names in
    /// the summary, evidence that cites findings of this report, and a recommendation that rests on
    /// that evidence.</summary>
    public void AssertRootCause(string category, params string[] culpritNames)
    {
        Assert.True(Category == category, $"expected {category}, got {Category}\n{this}");
        foreach (var name in culpritNames)
            Assert.True(Summary.Contains(name, StringComparison.Ordinal), $"the summary does not name '{name}'\n{this}");
        Assert.True(Evidence.Count > 0, $"the root cause cites no evidence\n{this}");
        var ids = FindingIds;
        foreach (var id in Evidence)
            Assert.True(ids.Contains(id), $"the evidence cites {id}, which is not a finding of this report\n{this}");
        Assert.True(Recommendations.Any(r => r.Evidence.Intersect(Evidence).Any() && r.Action.Length > 0),
            $"no recommendation rests on the root cause's evidence\n{this}");
    }

    /// <summary>The recommendation whose action contains every one of <paramref name="parts"/>.</summary>
    public (string Action, string Risk, IReadOnlyList<string> Evidence) Recommendation(params string[] parts)
    {
        var matches = Recommendations.Where(r => parts.All(p => r.Action.Contains(p, StringComparison.Ordinal))).ToList();
        Assert.True(matches.Count > 0, $"no recommendation contains {string.Join(" and ", parts.Select(p => $"'{p}'"))}\n{this}");
        return matches[0];
    }

    public override string ToString()
    {
        var b = new StringBuilder();
        b.AppendLine($"SESSION {SessionId} ROOT CAUSE {Category}: {Summary} [evidence {string.Join(", ", Evidence)}]");
        foreach (var (category, summary) in ContributingFactors) b.AppendLine($"  factor {category}: {summary}");
        foreach (var (action, risk, _) in Recommendations) b.AppendLine($"  do [{risk}] {action}");
        foreach (var f in Findings)
            b.AppendLine($"  {f.GetProperty("id").GetString()} {f.GetProperty("check").GetString()}/{f.GetProperty("data").GetProperty("kind").GetString()} " +
                         $"{f.GetProperty("severity").GetString()}: {f.GetProperty("title").GetString()} | {f.GetProperty("detail").GetString()}");
        return b.ToString();
    }

    private static IReadOnlyList<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
