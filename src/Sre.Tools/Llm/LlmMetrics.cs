using System.Diagnostics.Metrics;

namespace Sre.Tools.Llm;

/// <summary>Model calls as metrics (meter <c>Sre.Llm</c>): the host exports them with the rest.</summary>
public static class LlmMetrics
{
    public const string MeterName = "Sre.Llm";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("sre.llm.calls", description: "Model calls by purpose and outcome");
    private static readonly Counter<long> Tokens = Meter.CreateCounter<long>("sre.llm.tokens", "{token}", "Tokens by purpose and direction (prompt, completion)");
    private static readonly Histogram<double> Latency = Meter.CreateHistogram<double>("sre.llm.call.duration", "ms", "Latency of one logical model call, retries included");

    public static void Record(LlmCall call)
    {
        var purpose = new KeyValuePair<string, object?>("purpose", call.Purpose);
        Calls.Add(1, purpose, new("outcome", call.Outcome));
        Tokens.Add(call.PromptTokens, purpose, new("direction", "prompt"));
        Tokens.Add(call.CompletionTokens, purpose, new("direction", "completion"));
        Latency.Record(call.LatencyMs, purpose);
    }
}
