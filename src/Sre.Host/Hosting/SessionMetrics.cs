using Prometheus;
using Sre.Actors.Directory;
using Sre.Actors.Sessions;

namespace Sre.Host.Hosting;

/// <summary>The sessions-by-phase gauge, computed from the session directory at each scrape.
/// (Counters and histograms come from the actors' .NET Meter through prometheus-net's adapter.)
/// prometheus-net's default registry is process-wide: with one node per process (production) the
/// gauge is that node's; with several (tests, benchmarks) it sums every node still running, so no
/// node's sessions vanish from /metrics because another node started later.</summary>
public static class SessionMetrics
{
    private static readonly Gauge SessionsByPhase = Metrics.CreateGauge("sre_sessions", "Diagnosis sessions known to this node, by phase", "phase");
    private static readonly object Gate = new();
    private static readonly List<SessionDirectory> Directories = [];
    private static IDisposable? _meters;

    /// <summary>Adds this node's directory to the gauge and exports the Sre meters (once per
    /// process). Dispose the result when the node stops.</summary>
    public static IDisposable Register(SessionDirectory directory)
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
            Directories.Add(directory);
        }
        return new Registration(directory);
    }

    private static void Collect()
    {
        List<SessionDirectory> directories;
        lock (Gate) directories = [.. Directories];
        var counts = directories.SelectMany(d => d.CountByPhase())
            .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
        foreach (var phase in Enum.GetValues<SessionPhase>())
            SessionsByPhase.WithLabels(phase.ToWire()).Set(counts.GetValueOrDefault(phase.ToWire()));
    }

    private sealed class Registration(SessionDirectory directory) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate) Directories.Remove(directory);
        }
    }
}
