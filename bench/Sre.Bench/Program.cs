// Benchmark of the PostgreSQL diagnostic battery against a database with many tables.
//
// Why a warm-up + repeated-measure runner instead of BenchmarkDotNet: the measured unit is an
// end-to-end I/O operation of tens of milliseconds against an external server that takes a
// minute to set up (1,000 tables, statistics, thousands of pg_stat_statements entries).
// BenchmarkDotNet's strengths — pilot stages, overhead subtraction, nanosecond resolution — do not
// matter at that scale, while its process-per-launch model would repeat the server setup in every
// child process. A fixed warm-up (JIT, first-connection costs) followed by N measured runs with a
// Stopwatch gives the median, p95 and extremes the target is stated in, and the cold first run is
// reported separately because an agent in a fresh process pays it once.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Sre.Bench;
using Sre.Testing.Postgres;
using Sre.Tools.Postgres;

var runs = Arg("--runs", 50);
var warmup = Arg("--warmup", 5);
var tables = Arg("--tables", 1000);
var output = ArgText("--out", Path.Combine(BenchmarksDoc.FindRepoRoot(), "docs", "BENCHMARKS.md"));
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(30));
var ct = cts.Token;

Console.WriteLine($"Starting PostgreSQL and creating {tables} tables …");
await using var server = await PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = 100 }, ct);
var setup = System.Diagnostics.Stopwatch.StartNew();
await using var db = await BenchDatabase.CreateAsync(server, tables, ct);
setup.Stop();
var facts = await ServerFacts(server, db.Name, ct);
Console.WriteLine($"Setup took {setup.Elapsed.TotalSeconds:0.0} s: {facts}");

var results = new List<(string Name, int Connections, RunTiming Cold, List<RunTiming> Measured)>();
var defaultConnections = new PostgresDiagnosticsOptions().MaxConnections;
foreach (var connections in new[] { defaultConnections, 3, 2, 1 }.Distinct())
{
    var tool = new PostgresDiagnostics(new PostgresDiagnosticsOptions { MaxConnections = connections });
    var name = (connections == defaultConnections ? "default: " : "") + (connections == 1 ? "1 connection (checks in sequence)" : $"up to {connections} connections");
    RunTiming? cold = null;
    for (var i = 0; i < warmup; i++)
    {
        var t = await BatteryRunner.RunOnceAsync(tool, db.Target(), db.MonitorCredential(), ct);
        cold ??= t;
    }
    var measured = new List<RunTiming>();
    for (var i = 0; i < runs; i++)
        measured.Add(await BatteryRunner.RunOnceAsync(tool, db.Target(), db.MonitorCredential(), ct));
    var s = Stats.Of(measured.Select(m => m.TotalMs));
    Console.WriteLine($"{name}: median {s.Median:0.0} ms, p95 {s.P95:0.0} ms, min {s.Min:0.0} ms, max {s.Max:0.0} ms (first run {cold!.TotalMs:0.0} ms); " +
                      $"{measured[0].Findings} findings, {measured.Sum(m => m.Incomplete)} incomplete");
    results.Add((name, connections, cold, measured));
}

var agentStatements = await AgentStatements(server, db.Name, ct);
var section = Render(results, facts, runs, warmup, tables, setup.Elapsed) + agentStatements;
await BenchmarksDoc.WriteSectionAsync(output, "postgres-battery", section);
Console.WriteLine($"Wrote {output}");
return results.Any(r => r.Measured.Any(m => m.Incomplete > 0)) ? 1 : 0;

static string Render(List<(string Name, int Connections, RunTiming Cold, List<RunTiming> Measured)> results, string facts, int runs, int warmup, int tables, TimeSpan setup)
{
    var inv = CultureInfo.InvariantCulture;
    var b = new StringBuilder();
    b.AppendLine("## PostgreSQL diagnostic battery (`bench/Sre.Bench`)");
    b.AppendLine();
    b.AppendLine($"All nine checks of `PostgresDiagnostics` (reachability, connections, locks, long-running and slow queries, index usage, bloat, replication, database health) against a database with {tables:N0} tables, " +
                 "each with 200 rows and a primary key, every second one with an extra index, every fifth with dead rows; 3 statements per table in pg_stat_statements; 10 idle application sessions. " +
                 "One run = redeem the credential, log in (SCRAM), run every check in its own read-only transaction, close the connections. Target: under 500 ms.");
    b.AppendLine();
    b.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd} with `dotnet run -c Release --project bench/Sre.Bench` ({warmup} warm-up runs, then {runs} measured runs per configuration; setup {setup.TotalSeconds:0} s).");
    b.AppendLine();
    b.AppendLine("| configuration | median | p95 | min | max | mean | findings per run |");
    b.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var r in results)
    {
        var s = Stats.Of(r.Measured.Select(m => m.TotalMs));
        b.AppendLine(string.Create(inv, $"| {r.Name} | {s.Median:0.0} ms | {s.P95:0.0} ms | {s.Min:0.0} ms | {s.Max:0.0} ms | {s.Mean:0.0} ms | {r.Measured[0].Findings} |"));
    }
    b.AppendLine();
    b.AppendLine(string.Create(inv, $"The very first run in a fresh process (JIT compilation, first connection) took {results[0].Cold.TotalMs:0.0} ms; an agent pays that once per process. Load average at the end: {BenchmarksDoc.LoadAverage()}."));
    b.AppendLine();
    var main = results[0];
    b.AppendLine($"When each check's findings arrived in the default configuration (median over the measured runs; findings stream as checks finish):");
    b.AppendLine();
    b.AppendLine("| check | done after (median) | p95 |");
    b.AppendLine("| --- | ---: | ---: |");
    b.AppendLine(string.Create(inv, $"| first finding | {Stats.Of(main.Measured.Select(m => m.FirstFindingMs)).Median:0.0} ms | {Stats.Of(main.Measured.Select(m => m.FirstFindingMs)).P95:0.0} ms |"));
    foreach (var check in PostgresChecks.All.Select(c => c.Name))
    {
        var s = Stats.Of(main.Measured.Where(m => m.CheckDoneMs.ContainsKey(check)).Select(m => m.CheckDoneMs[check]));
        b.AppendLine(string.Create(inv, $"| {check} | {s.Median:0.0} ms | {s.P95:0.0} ms |"));
    }
    b.AppendLine();
    b.AppendLine($"Machine: {facts}");
    b.AppendLine();
    b.AppendLine("Reading the numbers: the database runs on the same two cores as the agent, and every extra connection is a new " +
                 "backend that forks, authenticates and warms its own catalog caches for the 1,000 tables, so on this machine fewer " +
                 "connections finish sooner. The default of two is meant for a remote server with cores of its own, where a slow " +
                 "check (pg_stat_statements) should not hold up the others; that case is not measured here. Configurations run one after another in one process, default first.");
    return b.ToString();
}

// Where the server spends the agent's time: its own statements, found by their marker comment.
static async Task<string> AgentStatements(PostgresServer server, string database, CancellationToken ct)
{
    await using var c = await server.OpenAsync(database, cancellationToken: ct);
    await using var cmd = new Npgsql.NpgsqlCommand("""
        SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS q, calls, mean_exec_time
        FROM pg_stat_statements
        WHERE query LIKE '/* sre-diagnostics */%' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY mean_exec_time DESC LIMIT 6
        """, c);
    await using var r = await cmd.ExecuteReaderAsync(ct);
    var b = new StringBuilder();
    b.AppendLine();
    b.AppendLine("The agent's most expensive statements on the server (pg_stat_statements, mean execution time over all runs):");
    b.AppendLine();
    b.AppendLine("| statement | calls | mean |");
    b.AppendLine("| --- | ---: | ---: |");
    while (await r.ReadAsync(ct))
        b.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| `{r.GetString(0).Replace("|", "\\|")}…` | {r.GetInt64(1)} | {r.GetDouble(2):0.00} ms |"));
    return b.ToString();
}

static async Task<string> ServerFacts(PostgresServer server, string database, CancellationToken ct)
{
    var version = await server.ScalarAsync<string>("SHOW server_version", database, ct);
    var tables = await server.ScalarAsync<long>("SELECT count(*) FROM pg_stat_user_tables", database, ct);
    var statements = await server.ScalarAsync<long>("SELECT count(*) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())", database, ct);
    var size = await server.ScalarAsync<string>("SELECT pg_size_pretty(pg_database_size(current_database()))", database, ct);
    var cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        : null;
    var memKb = File.Exists("/proc/meminfo")
        ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        : null;
    var load = BenchmarksDoc.LoadAverage();
    var memory = memKb is not null && long.TryParse(memKb.Split(' ')[0], out var kb) ? $"{kb / 1024.0 / 1024.0:0.#} GiB" : "?";
    return $"{Environment.ProcessorCount} cores ({cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}), {memory} RAM, {RuntimeInformation.OSDescription}, " +
           $"{RuntimeInformation.FrameworkDescription}, load average {load} at the start (the machine is shared with other sessions' builds and tests), PostgreSQL {version} on the same machine (fsync off, shared_buffers 32MB); " +
           $"database {size}, {tables:N0} user tables, {statements:N0} pg_stat_statements entries.";
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}

string ArgText(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
