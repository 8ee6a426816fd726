using Sre.Host.Tests.Support;
using Sre.Testing.Postgres;
using Sre.Tools.Postgres;

namespace Sre.Host.Tests.Scenarios;

/// <summary>What a scenario collection shares: its PostgreSQL server(s), a scenario
/// database per environment, and one `sre` server whose catalog has an environment per scenario.
/// The databases must exist before the catalog is written, so a subclass creates them (and breaks
/// those that must age before a diagnosis) in <see cref="ArrangeAsync"/>; the server starts after it.</summary>
public abstract class ScenarioFixture : IAsyncLifetime
{
    /// <summary>The database agent's settings in the server's HOCON, tuned as an operator tunes them:
    /// ages short enough that a scenario can wait past them in seconds (the server's defaults are a
    /// minute for a statement, 30 s idle in a transaction, 5 s for a lock wait).</summary>
    public const string AgentConfig = """
        sre.agents.database {
          thresholds {
            long-running-query-warning = 3s
            idle-in-transaction-warning = 2s
            lock-wait-warning = 1s
          }
        }
        """;

    /// <summary>The thresholds <see cref="AgentConfig"/> sets: the scenarios wait past these, never
    /// fake them, and check that the server's agent judged ages by them.</summary>
    public static PostgresThresholds Configured { get; } = new()
    {
        LongRunningQueryWarning = TimeSpan.FromSeconds(3),
        IdleInTransactionWarning = TimeSpan.FromSeconds(2),
        LockWaitWarning = TimeSpan.FromSeconds(1),
    };

    private readonly List<PostgresServer> _servers = [];
    private readonly List<ScenarioDatabase> _databases = [];
    private readonly List<RefusedPort> _refusedPorts = [];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sre-scenarios-" + Guid.NewGuid().ToString("N")[..8]);

    public SreTestServer Sre { get; private set; } = null!;

    /// <summary>Creates databases (and what must age) and adds an environment per scenario to <paramref name="catalog"/>.</summary>
    protected abstract Task ArrangeAsync(TestConfig catalog, CancellationToken cancellationToken);

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var catalog = new TestConfig();
        await ArrangeAsync(catalog, ct);
        Sre = await SreTestServer.StartAsync(catalog.Write(_directory, AgentConfig), _directory, cancellationToken: ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Sre is not null) await Sre.DisposeAsync();
        // Databases on a server someone else started are dropped; the servers this fixture started
        // go whole (all at once), and their databases then only close what they hold.
        List<ScenarioDatabase> databases;
        List<PostgresServer> servers;
        lock (_databases) databases = [.. _databases];
        lock (_servers) servers = [.. _servers];
        foreach (var db in databases.Where(d => !servers.Contains(d.Server))) await db.DisposeAsync();
        await Task.WhenAll(servers.Select(s => s.DisposeAsync().AsTask()));
        foreach (var db in databases.Where(d => servers.Contains(d.Server))) await db.DisposeAsync();
        lock (_refusedPorts) _refusedPorts.ForEach(p => p.Dispose());
        try { Directory.Delete(_directory, recursive: true); } catch { /* temp */ }
    }

    /// <summary>A loopback port that refuses connections until the fixture goes, whatever servers start meanwhile.</summary>
    protected int HoldRefusedPort()
    {
        var port = new RefusedPort();
        lock (_refusedPorts) _refusedPorts.Add(port);
        return port.Port;
    }

    protected async Task<PostgresServer> StartPostgresAsync(PostgresServerOptions? options, CancellationToken cancellationToken)
    {
        var server = await PostgresServer.StartAsync(options, cancellationToken);
        lock (_servers) _servers.Add(server);
        return server;
    }

    /// <summary>A standby of <paramref name="primary"/>, stopped with the fixture.</summary>
    protected async Task<PostgresServer> StartStandbyAsync(PostgresServer primary, string applicationName, string? slotName, CancellationToken cancellationToken)
    {
        var standby = await primary.StartStandbyAsync(applicationName, slotName, cancellationToken);
        lock (_servers) _servers.Add(standby);
        return standby;
    }

    protected async Task<ScenarioDatabase> CreateDatabaseAsync(PostgresServer server, string label, CancellationToken cancellationToken)
    {
        var db = await ScenarioDatabase.CreateAsync(server, label, cancellationToken: cancellationToken);
        lock (_databases) _databases.Add(db);
        return db;
    }

    /// <summary>A new PostgreSQL server with one scenario database on it.</summary>
    protected async Task<ScenarioDatabase> CreateDatabaseOnOwnServerAsync(string label, CancellationToken cancellationToken) =>
        await CreateDatabaseAsync(await StartPostgresAsync(null, cancellationToken), label, cancellationToken);
}
