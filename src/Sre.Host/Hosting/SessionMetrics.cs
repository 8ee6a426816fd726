using Prometheus;
using Sre.Actors.Directory;
using Sre.Actors.Sessions;

namespace Sre.Host.Hosting;

/// <summary>The sessions-by-phase gauge, computed from the session directory at each scrape.
/// (Counters and histograms come from the actors' .NET Meter through prometheus-net's adapter.)</summary>
public static class SessionMetrics
{
    private static readonly Gauge SessionsByPhase = Metrics.CreateGauge("sre_sessions", "Diagnosis sessions known to this node, by phase", "phase");

    public static void Register(SessionDirectory directory) =>
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            var counts = directory.CountByPhase();
            foreach (var phase in Enum.GetValues<SessionPhase>())
                SessionsByPhase.WithLabels(phase.ToWire()).Set(counts.GetValueOrDefault(phase.ToWire()));
        });
}
