using System.Diagnostics;
using Sre.Tools.Agents;
using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Bench;

/// <summary>One full run of the PostgreSQL battery, timed: total wall time (credential redemption,
/// connect, every check, connections closed) and when each check's last finding arrived.</summary>
public sealed record RunTiming(double TotalMs, double FirstFindingMs, IReadOnlyDictionary<string, double> CheckDoneMs, int Findings, int Incomplete);

public static class BatteryRunner
{
    public static async Task<RunTiming> RunOnceAsync(PostgresDiagnostics tool, Target target, ICredentialLease credential, CancellationToken ct)
    {
        var run = new ToolRun("bench", target, tool.Checks.Select(c => c.Name).ToList(), credential, DateTimeOffset.UtcNow.AddSeconds(30));
        var done = new Dictionary<string, double>();
        double first = -1;
        var findings = 0;
        var incomplete = 0;
        var watch = Stopwatch.StartNew();
        await foreach (var f in tool.RunAsync(run, ct))
        {
            var at = watch.Elapsed.TotalMilliseconds;
            if (first < 0) first = at;
            done[f.Check] = at;
            findings++;
            if (f.Text("kind") == PostgresFindingKinds.Incomplete) incomplete++;
        }
        watch.Stop();
        return new RunTiming(watch.Elapsed.TotalMilliseconds, first, done, findings, incomplete);
    }
}
