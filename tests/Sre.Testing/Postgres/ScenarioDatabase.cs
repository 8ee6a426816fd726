using Npgsql;
using Sre.Tools.Agents;
using Sre.Tools.Model;

namespace Sre.Testing.Postgres;

/// <summary>One scenario's own corner of a shared test server: a database owned by an application
/// role, a monitoring role with pg_monitor for the agent, and the application sessions the scenario
/// opens to break things. Disposing ends those sessions (waiting until their backends are gone, so
/// the next scenario on the server starts clean) and drops the database and roles.</summary>
public sealed class ScenarioDatabase : IAsyncDisposable
{
    private readonly List<NpgsqlConnection> _connections = [];
    private readonly List<Task> _background = [];
    private readonly string _appPassword = "app-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _monitorPassword = "mon-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The monitoring role's password, for tests that put it into a secrets file or a fake 1Password.</summary>
    public string MonitorPassword => _monitorPassword;

    public PostgresServer Server { get; }
    public string Name { get; }
    /// <summary>The application's login role; it owns the database and its tables.</summary>
    public string AppRole => Name + "_app";
    /// <summary>The agent's login role: pg_monitor and CONNECT, nothing else.</summary>
    public string MonitorRole => Name + "_monitor";

    private ScenarioDatabase(PostgresServer server, string name)
    {
        Server = server;
        Name = name;
    }

    /// <param name="statementStats">Create pg_stat_statements in the database (it is always preloaded).</param>
    public static async Task<ScenarioDatabase> CreateAsync(PostgresServer server, string label, bool statementStats = true, CancellationToken cancellationToken = default)
    {
        var name = $"{label}_{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();
        var db = new ScenarioDatabase(server, name);
        await server.ExecuteAsync($"CREATE ROLE {db.AppRole} LOGIN PASSWORD '{db._appPassword}'", cancellationToken: cancellationToken);
        await server.ExecuteAsync($"CREATE ROLE {db.MonitorRole} LOGIN PASSWORD '{db._monitorPassword}' IN ROLE pg_monitor", cancellationToken: cancellationToken);
        await server.ExecuteAsync($"CREATE DATABASE {name} OWNER {db.AppRole}", cancellationToken: cancellationToken);
        if (statementStats)
            await server.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", name, cancellationToken);
        return db;
    }

    /// <summary>The catalog target the agent examines.</summary>
    public Target Target(string targetName = "test-db", string? database = null, int? port = null) => new()
    {
        Name = targetName,
        Kind = TargetKind.Postgres,
        Credential = "op://Tests/" + Name,
        Settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["host"] = PostgresServer.Host,
            ["port"] = (port ?? Server.Port).ToString(),
            ["database"] = database ?? Name,
        },
    };

    /// <summary>The agent's credential (the monitoring role), as the credential actor would lease it.</summary>
    public ICredentialLease MonitorCredential(string? password = null) =>
        new StaticCredentialLease("op://Tests/" + Name, MonitorRole, password ?? _monitorPassword);

    /// <summary>Runs setup SQL as the application role (so it owns what it creates) and waits until
    /// that session has ended, so its effects are in the cumulative statistics.</summary>
    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken = default)
    {
        var c = await Server.OpenAsync(Name, AppRole, _appPassword, "scenario-setup", cancellationToken);
        lock (_connections) _connections.Add(c);
        await using (var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 300 })
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        await DisconnectAsync(c, cancellationToken);
    }

    /// <summary>Opens an application session that stays open until the scenario ends (or <see cref="DisconnectAsync"/>).</summary>
    public async Task<NpgsqlConnection> OpenAppSessionAsync(string applicationName, CancellationToken cancellationToken = default)
    {
        var c = await Server.OpenAsync(Name, AppRole, _appPassword, applicationName, cancellationToken);
        lock (_connections) _connections.Add(c);
        return c;
    }

    public static async Task RunAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken = default)
    {
        await using var cmd = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Starts a statement on the session without waiting for it (it blocks, sleeps or waits on a lock).</summary>
    public void StartInBackground(NpgsqlConnection connection, string sql)
    {
        var task = Task.Run(async () =>
        {
            try { await RunAsync(connection, sql); }
            catch (Exception) { /* ended by the scenario's cleanup */ }
        });
        lock (_background) _background.Add(task);
    }

    /// <summary>Closes an application session and waits until its backend has exited, so what it did
    /// (scans, deletes, deadlocks) is flushed to the cumulative statistics before the agent looks.</summary>
    public async Task DisconnectAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        var pid = connection.ProcessID;
        await connection.CloseAsync();
        lock (_connections) _connections.Remove(connection);
        await connection.DisposeAsync();
        await WaitUntilAsync($"SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = {pid})", $"backend {pid} to exit", cancellationToken);
    }

    /// <summary>Polls a boolean query (as superuser) until it is true. This synchronises with the
    /// server; it is not a speed assertion, so the bound is generous.</summary>
    public Task WaitUntilAsync(string booleanSql, string what, CancellationToken cancellationToken = default) =>
        WaitUntilAsync(Server, booleanSql, what, Name, cancellationToken);

    /// <remarks>One connection serves every poll (each statement is its own transaction, so now()
    /// moves): a login every 100 ms would cost more CPU than the scenarios themselves.</remarks>
    public static async Task WaitUntilAsync(PostgresServer server, string booleanSql, string what, string database = "postgres", CancellationToken cancellationToken = default)
    {
        var until = DateTime.UtcNow.AddSeconds(120);
        await using var connection = await server.OpenAsync(database, applicationName: "scenario-wait", cancellationToken: cancellationToken);
        await using var poll = new NpgsqlCommand(booleanSql, connection);
        while (true)
        {
            if (await poll.ExecuteScalarAsync(cancellationToken) is true) return;
            if (DateTime.UtcNow > until) throw new TimeoutException($"Gave up waiting for {what} ({booleanSql}).");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Ends every session on this database (the scenario's and anyone else's) and waits until
    /// their backends are gone, so the next scenario on the server starts clean.</summary>
    private async Task EndSessionsAsync(CancellationToken cancellationToken = default)
    {
        await Server.ExecuteAsync(
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{Name}' AND pid <> pg_backend_pid()", cancellationToken: cancellationToken);
        await ReleaseAsync();
        await WaitUntilAsync(Server, $"SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = '{Name}')", $"sessions of {Name} to end", cancellationToken: cancellationToken);
    }

    /// <summary>Closes the connections this scenario holds and lets its background statements finish.</summary>
    private async Task ReleaseAsync()
    {
        List<NpgsqlConnection> connections;
        lock (_connections)
        {
            connections = [.. _connections];
            _connections.Clear();
        }
        foreach (var c in connections)
            try { await c.DisposeAsync(); } catch { /* terminated */ }
        List<Task> background;
        lock (_background)
        {
            background = [.. _background];
            _background.Clear();
        }
        await Task.WhenAll(background);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await EndSessionsAsync();
            await Server.ExecuteAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
            await Server.ExecuteAsync($"DROP ROLE IF EXISTS {AppRole}");
            await Server.ExecuteAsync($"DROP ROLE IF EXISTS {MonitorRole}");
        }
        catch
        {
            // The server may already be gone: still close what this scenario holds.
            await ReleaseAsync();
        }
    }
}
