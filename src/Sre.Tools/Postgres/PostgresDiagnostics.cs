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
        deadline.CancelAfter(Remaining(run.Deadline));
        try
        {
            await using var budget = await ConnectAsync(run, writer, deadline.Token, cancellationToken);
            if (budget is null) return;

            var selected = Select(run, writer);
            await Task.WhenAll(selected.Select(check => RunCheckAsync(check, run, budget, writer, deadline.Token, cancellationToken)));
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
    private async Task<ConnectionBudget?> ConnectAsync(ToolRun run, ChannelWriter<Finding> writer, CancellationToken cancellationToken, CancellationToken caller)
    {
        var host = run.Target.Setting("host") ?? "?";
        var port = run.Target.IntSetting("port", 5432);
        var database = run.Target.Setting("database") ?? "postgres";
        var user = run.Target.Setting("user") ?? "?";
        ConnectionBudget? budget = null;
        var watch = Stopwatch.StartNew();
        try
        {
            var endpoint = PostgresEndpoint.From(run.Target);
            string? password = null;
            if (run.Credential is not null)
            {
                using var bundle = await run.Credential.RedeemAsync(cancellationToken);
                user = bundle.RequireField("username");
                password = bundle.RequireField("password");
            }
            var connectTimeout = Min(_options.ConnectTimeout, Remaining(run.Deadline));
            budget = new ConnectionBudget(endpoint.CreateDataSource(user, password, connectTimeout, _options.StatementTimeout), _options.MaxConnections);
            password = null;

            using (await budget.AcquireAsync(cancellationToken)) { }
            watch.Stop();

            var probe = new ReachabilityCheck { ConnectMilliseconds = watch.Elapsed.TotalMilliseconds };
            await RunCheckAsync(probe, run, budget, writer, cancellationToken, CancellationToken.None);
            return budget;
        }
        catch (Exception e) when (!caller.IsCancellationRequested)
        {
            // A refused or timed-out connect is evidence about the database, not an agent crash.
            if (budget is not null) await budget.DisposeAsync();
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

    private async Task RunCheckAsync(PostgresCheck check, ToolRun run, ConnectionBudget budget, ChannelWriter<Finding> writer,
        CancellationToken deadline, CancellationToken caller)
    {
        IReadOnlyList<Finding> findings;
        try
        {
            using var lease = await budget.AcquireAsync(deadline);
            await using var session = await ReadOnlySession.BeginAsync(lease,
                Min(_options.StatementTimeout, Remaining(run.Deadline)), _options.LockTimeout, deadline);
            var context = new CheckContext
            {
                Target = run.Target,
                Endpoint = PostgresEndpoint.From(run.Target),
                Session = session,
                Thresholds = _options.Thresholds,
                OwnPids = budget.BackendPids,
            };
            findings = await check.RunAsync(context, deadline);
        }
        catch (OperationCanceledException) when (caller.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            findings = [Incomplete(run, check.Name, Severity.Warning, $"Check '{check.Name}' did not finish before the deadline",
                $"The agent's deadline ({run.Deadline:u}) passed while the check was waiting for a connection or a query.", "deadline")];
        }
        catch (Exception e)
        {
            var sqlState = (e as Npgsql.PostgresException)?.SqlState;
            findings = [Incomplete(run, check.Name, Severity.Warning, $"Check '{check.Name}' could not complete",
                sqlState switch
                {
                    Npgsql.PostgresErrorCodes.QueryCanceled => $"A query exceeded the agent's statement_timeout ({_options.StatementTimeout.TotalSeconds:0.#} s): {e.Message}",
                    Npgsql.PostgresErrorCodes.LockNotAvailable => $"A catalog read waited longer than lock_timeout and was abandoned: {e.Message}",
                    Npgsql.PostgresErrorCodes.InsufficientPrivilege => $"The agent's role lacks a privilege (GRANT pg_monitor to it): {e.Message}",
                    _ => e.Message,
                }, sqlState)];
        }
        foreach (var f in findings)
            await writer.WriteAsync(f, CancellationToken.None);
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
}
