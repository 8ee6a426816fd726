// End-to-end session benchmark: how many diagnoses per second one node completes and how long one
// takes, through everything a user touches — HTTP, the sharded persistent session (SQLite
// journal), the credential actor, an agent on the runner pool, SSE and the report. Two targets:
// a PostgreSQL port nobody listens on (the session machinery alone: the agent's work is one refused
// TCP connect) and a live PostgreSQL (the full nine-check battery per session).
//
// A warm-up + repeated-measure runner rather than BenchmarkDotNet, for the same reason as
// bench/Sre.Bench: each unit is an end-to-end operation of milliseconds to seconds against servers
// set up once; throughput under concurrency is the figure, not nanosecond precision.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Sre.Bench;
using Sre.Host.Configuration;
using Sre.Host.Hosting;
using Sre.Testing;
using Sre.Testing.Postgres;

var sessions = Arg("--sessions", 200);
var output = Path.Combine(BenchmarksDoc.FindRepoRoot(), "docs", "BENCHMARKS.md");
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(30));
var ct = cts.Token;
var loadAtStart = BenchmarksDoc.LoadAverage();

await using var pg = await PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = 100 }, ct);
await using var db = await ScenarioDatabase.CreateAsync(pg, "bench", cancellationToken: ct);
var dir = Path.Combine(Path.GetTempPath(), "sre-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(dir);
var secrets = Path.Combine(dir, "secrets.json");
await File.WriteAllTextAsync(secrets, $$"""
    { "op://Bench/closed": { "username": "u", "password": "p-closed" },
      "op://Bench/live": { "username": "{{db.MonitorRole}}", "password": "{{db.MonitorPassword}}" } }
    """, ct);
var config = Path.Combine(dir, "bench.conf");
await File.WriteAllTextAsync(config, $$"""
    sre {
      environments {
        closed.targets = [ { kind = postgres, name = closed-db, host = "127.0.0.1", port = {{FreePort.Next()}}, database = app, credential = "op://Bench/closed" } ]
        live.targets = [ { kind = postgres, name = live-db, host = "127.0.0.1", port = {{pg.Port}}, database = {{db.Name}}, credential = "op://Bench/live" } ]
      }
      secrets { provider = file, file.path = "{{secrets}}" }
    }
    akka.loglevel = WARNING
    """, ct);
var url = $"http://127.0.0.1:{FreePort.Next()}";
var started = System.Diagnostics.Stopwatch.StartNew();
var app = ServerHost.Build(new ServeOptions { ConfigFile = config, Urls = url, DataDirectory = dir });
await app.StartAsync(ct);
using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(5) };
while (!(await http.GetAsync("/health/ready", ct)).IsSuccessStatusCode) await Task.Delay(50, ct);
var readyMs = started.Elapsed.TotalMilliseconds;
Console.WriteLine($"Node ready in {readyMs:0} ms");

var rows = new List<string>();
foreach (var (environment, label, count) in new[] { ("closed", "unreachable target (session machinery)", sessions), ("live", "live PostgreSQL (nine checks)", Math.Max(20, sessions / 4)) })
    foreach (var concurrency in new[] { 1, 8, 32 })
        rows.Add(await Measure(http, environment, label, count, concurrency));
await app.StopAsync(ct);
await app.DisposeAsync();
var dbSize = new FileInfo(Path.Combine(dir, "sre.db")).Length;

var doc = new StringBuilder();
doc.AppendLine("## End-to-end sessions (`bench/Sre.Bench.Sessions`)");
doc.AppendLine();
doc.AppendLine("One `sre serve` node in process (both roles, SQLite journal, rule-based planner and synthesizer), driven over HTTP like the CLI: POST /diagnose, follow /stream over SSE, POST /approve on `approval_required`, read until the terminal phase. *total* is diagnose → stream end for one session (it includes the client's own approval round trip); *approve → finding* and *approve → end* start when the client saw the approval request. Warm-up of up to 10 sessions before each row.");
doc.AppendLine();
AppendTable(doc, "target", rows);
doc.AppendLine(string.Create(CultureInfo.InvariantCulture,
    $"Node start to ready: {readyMs:0} ms. Journal after the run: {dbSize / 1024.0 / 1024.0:0.0} MiB. Measured {DateTime.UtcNow:yyyy-MM-dd} on {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; load average {loadAtStart} at the start, {BenchmarksDoc.LoadAverage()} at the end; PostgreSQL on the same machine."));
doc.AppendLine();
await BenchmarksDoc.WriteSectionAsync(output, "sessions", doc.ToString());
Console.WriteLine($"Wrote {output}");

// The same sessions across a main node and a runner, over plain remoting and over mutual TLS.
var clusterRows = new List<string>();
var clusterCount = Math.Max(20, sessions / 2);
foreach (var tls in new[] { false, true })
{
    var mode = tls ? "mutual TLS" : "plain TCP";
    var clusterStart = System.Diagnostics.Stopwatch.StartNew();
    await using var pair = await ClusterPair.StartAsync(dir, await File.ReadAllTextAsync(config, ct), tls, ct);
    Console.WriteLine($"{mode}: main + runner up in {clusterStart.ElapsedMilliseconds} ms");
    using var clusterHttp = new HttpClient { BaseAddress = new Uri(pair.Url), Timeout = TimeSpan.FromMinutes(5) };
    foreach (var (environment, label, count) in new[] { ("closed", "unreachable target", clusterCount), ("live", "live PostgreSQL", Math.Max(20, sessions / 4)) })
        foreach (var concurrency in new[] { 1, 8 })
            clusterRows.Add(await Measure(clusterHttp, environment, $"{mode} · {label}", count, concurrency));
}
var cluster = new StringBuilder();
cluster.AppendLine("## Sessions across a main node and a runner (`bench/Sre.Bench.Sessions`)");
cluster.AppendLine();
cluster.AppendLine("The same sessions with the agent on a runner node: the main node (HTTP, sessions, credentials) dispatches it over remoting and the runner redeems the credential handle from the main node's credential actor, then streams findings back. Both nodes in one process on loopback, SQLite journal on the main node; plain TCP against `sre.cluster.tls` (mutual TLS, pinned self-signed certificate).");
cluster.AppendLine();
AppendTable(cluster, "remoting · target", clusterRows);
cluster.AppendLine(string.Create(CultureInfo.InvariantCulture,
    $"Measured {DateTime.UtcNow:yyyy-MM-dd} on {Environment.ProcessorCount} cores; load average {BenchmarksDoc.LoadAverage()} at the end."));
cluster.AppendLine();
await BenchmarksDoc.WriteSectionAsync(output, "cluster-sessions", cluster.ToString());
Console.WriteLine($"Wrote {output}");
try { Directory.Delete(dir, true); } catch { }
return 0;

// The columns Measure fills, under a header naming the first one.
static void AppendTable(StringBuilder doc, string firstColumn, IEnumerable<string> rows)
{
    doc.AppendLine($"| {firstColumn} | concurrent clients | sessions | sessions/s | total median | total p95 | approve → first finding (median) | approve → end (median) | journal events/s | not completed |");
    doc.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var r in rows) doc.AppendLine(r);
    doc.AppendLine();
}

// One row: a warm-up of up to 10 sessions (JIT, first journal writes, pools), then COUNT sessions
// by CONCURRENCY clients.
async Task<string> Measure(HttpClient client, string environment, string label, int count, int concurrency)
{
    await Drive(client, environment, Math.Min(10, count), concurrency);
    var wall = System.Diagnostics.Stopwatch.StartNew();
    var timings = await Drive(client, environment, count, concurrency);
    wall.Stop();
    var total = Stats.Of(timings.Select(t => t.TotalMs));
    var finding = Stats.Of(timings.Select(t => t.ApproveToFirstFindingMs));
    var end = Stats.Of(timings.Select(t => t.ApproveToEndMs));
    var perSecond = count / wall.Elapsed.TotalSeconds;
    var events = timings.Sum(t => t.Events) / wall.Elapsed.TotalSeconds;
    var failed = timings.Count(t => t.Phase != "completed");
    var line = string.Create(CultureInfo.InvariantCulture,
        $"| {label} | {concurrency} | {count} | {perSecond:0.0} | {total.Median:0} ms | {total.P95:0} ms | {finding.Median:0} ms | {end.Median:0} ms | {events:0} | {failed} |");
    Console.WriteLine(line);
    return line;
}

async Task<List<SessionDriver.Timing>> Drive(HttpClient client, string environment, int count, int concurrency)
{
    var gate = new SemaphoreSlim(concurrency);
    var tasks = Enumerable.Range(0, count).Select(async _ =>
    {
        await gate.WaitAsync(ct);
        try { return await SessionDriver.RunAsync(client, environment, ct); }
        finally { gate.Release(); }
    });
    return (await Task.WhenAll(tasks)).ToList();
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}
