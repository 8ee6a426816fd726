using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Sre.Testing.OpenAi;
using Sre.Tools.Llm;
using static Sre.Tools.Tests.Llm.LlmTestWorld;

namespace Sre.Tools.Tests.Llm;

public sealed class LlmMetricsTests
{
    [Fact]
    public async Task Each_call_reports_its_tokens_and_outcome_on_the_Sre_Llm_meter()
    {
        var ct = TestContext.Current.CancellationToken;
        var seen = new ConcurrentBag<(string Instrument, long Value, string? Direction, string? Outcome)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LlmMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? direction = null, outcome = null;
            foreach (var t in tags)
            {
                if (t.Key == "direction") direction = t.Value as string;
                if (t.Key == "outcome") outcome = t.Value as string;
            }
            seen.Add((instrument.Name, value, direction, outcome));
        });
        listener.Start();

        await using var server = await FakeOpenAiServer.StartAsync(ct);
        // Distinctive numbers: other tests running in parallel report on the same meter.
        server.Enqueue(FakeReply.Json(Plan(Assignment("logs", "app-logs", ["errors"], null))).WithUsage(7771, 7772));
        await new LlmPlanner(Options(server), Registry).PlanAsync(Request(), Prod, ct);

        Assert.Contains(("sre.llm.tokens", 7771L, "prompt", (string?)null), seen);
        Assert.Contains(("sre.llm.tokens", 7772L, "completion", (string?)null), seen);
        Assert.Contains(seen, m => m.Instrument == "sre.llm.calls" && m.Outcome == "ok");
    }
}
