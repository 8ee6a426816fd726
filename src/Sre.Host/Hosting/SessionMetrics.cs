using Prometheus;
using Sre.Actors.Directory;
using Sre.Actors.Sessions;

namespace Sre.Host.Hosting;

/// <summary>The sessions-by-phase gauge, computed from the session directory at each scrape.
/// (Counters and histograms come from the actors' .NET Meter through prometheus-net's adapter.)</summary>
public static class SessionMetrics
{
    private static readonly Gauge SessionsByPhase = Metrics.CreateGauge("sre_sessions", "Diagnosis sessions known to this node, by phase", "phase");
    private static readonly object Gate = new();
    private static SessionDirectory? _directory;
    private static IDisposable? _meters;

    /// <summary>Points the gauge at this node's directory and exports the Sre meters (once per process;
    /// a later node in the same process, as in tests, takes over the gauge).</summary>
    public static void Register(SessionDirectory directory)
    {
        lock (Gate)
        {
            if (_meters is null)
            {
                _meters = MeterAdapter.StartListening(new MeterAdapterOptions
                {
                    InstrumentFilterPredicate = i => i.Meter.Name.StartsWith("Sre", StringComparison.Ordinal),
                });
                Metrics.DefaultRegistry.AddBeforeCollectCallback(Collect);
            }
            _directory = directory;
        }
    }

    private static void Collect()
    {
        var counts = _directory?.CountByPhase() ?? new Dictionary<string, int>();
        foreach (var phase in Enum.GetValues<SessionPhase>())
            SessionsByPhase.WithLabels(phase.ToWire()).Set(counts.GetValueOrDefault(phase.ToWire()));
    }
}
