using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sre.Actors.Telemetry;

/// <summary>The traces and metrics the actors emit. OpenTelemetry listens to the source; Prometheus
/// exports the meter at /metrics.</summary>
public static class SreTelemetry
{
    public const string Name = "Sre";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> SessionsStarted =
        Meter.CreateCounter<long>("sre_sessions_started", description: "Diagnosis sessions started");

    public static readonly Counter<long> FindingsRecorded =
        Meter.CreateCounter<long>("sre_findings", description: "Findings recorded, by agent and severity");

    public static readonly Histogram<double> AgentDuration =
        Meter.CreateHistogram<double>("sre_agent_duration_seconds", unit: "s", description: "How long agent runs took, by agent and final state");

    public static readonly Histogram<double> ApprovalWait =
        Meter.CreateHistogram<double>("sre_approval_wait_seconds", unit: "s", description: "Time from the approval request to the human's answer");

    public static readonly Counter<long> SecurityEvents =
        Meter.CreateCounter<long>("sre_security_events", description: "Refused credential messages and redemptions");

    /// <summary>Starts a child activity of a W3C traceparent carried in a message.</summary>
    public static Activity? StartFrom(string name, string? traceParent, ActivityKind kind = ActivityKind.Internal) =>
        ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);
}
