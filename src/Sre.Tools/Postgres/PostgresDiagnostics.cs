using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Sre.Tools.Agents;
using Sre.Tools.Model;
using Sre.Tools.Postgres.Checks;

namespace Sre.Tools.Postgres;

/// <summary>The database agent's tool: connects with the redeemed credential (a refusal becomes one
/// critical reachability finding, never an exception), then runs the requested checks concurrently
/// on a few connections of its own, each in a READ ONLY transaction with statement and lock
/// timeouts, and yields every finding the moment its check finishes. Work still running at
/// <see cref="ToolRun.Deadline"/> is cancelled and reported as incomplete.</summary>
public sealed class PostgresDiagnostics(PostgresDiagnosticsOptions? options = null) : IDiagnosticTool
{
    private static readonly IReadOnlyList<PostgresCheck> Battery =
    [
        new ConnectionsCheck(),
        new LocksCheck(),
        new LongRunningQueriesCheck(),
        new SlowQueriesCheck(),
        new IndexUsageCheck(),
        new TableBloatCheck(),
        new ReplicationCheck(),
        new DatabaseHealthCheck(),
    ];

    private readonly PostgresDiagnosticsOptions _options = options ?? new PostgresDiagnosticsOptions();

    /// <summary>How this instance is tuned (timeouts, connections, thresholds).</summary>
    public PostgresDiagnosticsOptions Options => _options;

    public string Agent => AgentKind.Database;

    public IReadOnlyList<CheckInfo> Checks => PostgresChecks.All;

    public async IAsyncEnumerable<Finding> RunAsync(ToolRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<Finding>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() => ProduceAsync(run, channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var finding in channel.Reader.ReadAllAsync(cancellationToken))
                yield return finding;
            await producer;
        }
        finally
        {
            // The consumer stopped early or was cancelled: end the checks and close the connections.
            stop.Cancel();
            try { await producer; } catch (OperationCanceledException) { }
        }
    }

    private async Task ProduceAsync(ToolRun run, ChannelWriter<Finding> writer, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            if (Remaining(run.Deadline) <= TimeSpan.Zero)
            {
                await writer.WriteAsync(Incomplete(run, PostgresChecks.Reachability, Severity.Warning, "The database agent did not start: its deadline had already passed",
                    $"Deadline {run.Deadline:u}; nothing was examined.", "deadline"), CancellationToken.None);
                return;
            }
            deadline.CancelAfter(Remaining(run.Deadline));
            await using var connected = await ConnectAsync(run, writer, deadline.Token, cancellationToken);
            if (connected is null) return;

            await Task.WhenAll(Select(run, writer).Select(check => RunCheckAsync(check, connected)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller stopped the run; nothing more to report.
        }
        finally
        {
            writer.TryComplete();
        }
    }

    /// <summary>Redeems the credential, builds the login and opens the first connection. Returns
    /// null after writing the reachability finding when the agent cannot get a session.</summary>
    private async Task<ConnectedRun?> ConnectAsync(ToolRun run, ChannelWriter<Finding> writer, CancellationToken deadline, CancellationToken caller)
    {
        var host = run.Target.Setting("host") ?? "?";
        var port = run.Target.IntSetting("port", 5432);
        var database = run.Target.Setting("database") ?? "postgres";
        var user = "?";
        ConnectionBudget? budget = null;
        try
        {
            var endpoint = PostgresEndpoint.From(run.Target);
            if (run.Credential is null)
                throw new InvalidOperationException(
                    $"Target '{run.Target.Name}' names no credential; the PostgreSQL agent logs in only with a leased credential item (fields username and password).");

            var watch = Stopwatch.StartNew();
            using (var bundle = await run.Credential.RedeemAsync(deadline))
            {
                user = bundle.RequireField("username");
                budget = new ConnectionBudget(
                    endpoint.CreateDataSource(user, bundle.RequireField("password"), Min(_options.ConnectTimeout, Remaining(run.Deadline)), _options.StatementTimeout),
                    _options.MaxConnections);
            }
            using (await budget.AcquireAsync(deadline)) { }
            watch.Stop();

            var connected = new ConnectedRun(run, endpoint, budget, writer, deadline, caller);
            await RunCheckAsync(new ReachabilityCheck { ConnectMilliseconds = watch.Elapsed.TotalMilliseconds }, connected);
            return connected;
        }
        catch (Exception e)
        {
            if (budget is not null) await budget.DisposeAsync();
            if (caller.IsCancellationRequested) throw;
            // A refused or timed-out connect is evidence about the database, not an agent crash.
            var failure = ConnectFailureClassifier.Classify(e, host, port, database, user, run.Credential?.Reference);
            await writer.WriteAsync(ReachabilityCheck.Failed(run.Target, host, port, database, user, failure), CancellationToken.None);
            return null;
        }
    }

    private static List<PostgresCheck> Select(ToolRun run, ChannelWriter<Finding> writer)
    {
        if (run.Checks.Count == 0) return Battery.ToList();
        var wanted = run.Checks.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var unknown in wanted.Where(n => n != PostgresChecks.Reachability && Battery.All(c => !string.Equals(c.Name, n, StringComparison.OrdinalIgnoreCase))))
            writer.TryWrite(Incomplete(run, unknown, Severity.Info, $"Unknown check '{unknown}' was skipped",
                $"Known checks: {string.Join(", ", PostgresChecks.All.Select(c => c.Name))}.", null));
        return Battery.Where(c => wanted.Contains(c.Name)).ToList();
    }

    private async Task RunCheckAsync(PostgresCheck check, ConnectedRun r)
    {
        IReadOnlyList<Finding> findings;
        try
        {
            using var lease = await r.Budget.AcquireAsync(r.Deadline);
            await using var session = await ReadOnlySession.BeginAsync(lease,
                Min(_options.StatementTimeout, Remaining(r.Run.Deadline)), _options.LockTimeout, r.Deadline);
            var context = new CheckContext
            {
                Target = r.Run.Target,
                Endpoint = r.Endpoint,
                Session = session,
                Thresholds = _options.Thresholds,
                OwnPids = r.Budget.BackendPids,
            };
            findings = await check.RunAsync(context, r.Deadline);
        }
        catch (OperationCanceledException) when (r.Caller.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            findings = [Incomplete(r.Run, check.Name, Severity.Warning, $"Check '{check.Name}' did not finish before the deadline",
                $"The agent's deadline ({r.Run.Deadline:u}) passed while the check was waiting for a connection or a query.", "deadline")];
        }
        catch (Exception e)
        {
            var sqlState = (e as Npgsql.PostgresException)?.SqlState;
            findings = [Incomplete(r.Run, check.Name, Severity.Warning, $"Check '{check.Name}' could not complete",
                sqlState switch
                {
                    Npgsql.PostgresErrorCodes.QueryCanceled => $"A query exceeded the agent's statement_timeout ({_options.StatementTimeout.TotalSeconds:0.#} s): {e.Message}",
                    Npgsql.PostgresErrorCodes.LockNotAvailable => $"A catalog read waited longer than lock_timeout and was abandoned: {e.Message}",
                    Npgsql.PostgresErrorCodes.InsufficientPrivilege => $"The agent's role lacks a privilege (GRANT pg_monitor to it): {e.Message}",
                    _ => e.Message,
                }, sqlState)];
        }
        foreach (var f in findings)
            await r.Writer.WriteAsync(f, CancellationToken.None);
    }

    private static Finding Incomplete(ToolRun run, string check, Severity severity, string title, string detail, string? reason) => new()
    {
        Agent = AgentKind.Database,
        Target = run.Target.Name,
        Check = check,
        Severity = severity,
        Title = title,
        Detail = detail,
        Data = new JsonObject { ["kind"] = PostgresFindingKinds.Incomplete, ["reason"] = reason },
    };

    private static TimeSpan Remaining(DateTimeOffset deadline)
    {
        var left = deadline - DateTimeOffset.UtcNow;
        return left < TimeSpan.Zero ? TimeSpan.Zero : left;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>A run that has its first connection: what every check needs to get a session and report.</summary>
    private sealed record ConnectedRun(ToolRun Run, PostgresEndpoint Endpoint, ConnectionBudget Budget, ChannelWriter<Finding> Writer,
        CancellationToken Deadline, CancellationToken Caller) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Budget.DisposeAsync();
    }
}
