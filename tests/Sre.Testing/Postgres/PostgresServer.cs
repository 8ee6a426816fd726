using System.Diagnostics;
using Npgsql;

namespace Sre.Testing.Postgres;

/// <summary>A real PostgreSQL 15 started for the tests: a fresh cluster in a temporary directory
/// (a copy of one initdb per process), a loopback port, password authentication (scram) and
/// pg_stat_statements preloaded. Runs the
/// server binaries as the 'postgres' system user when the tests run as root (initdb refuses root).
/// A missing installation is an error, never a skip: `./test.sh` installs it.</summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string SuperUser = "postgres";
    public const string Host = "127.0.0.1";

    private readonly string _bin;
    private bool _stopped;

    public string DataDirectory { get; }
    public int Port { get; }
    public string SuperPassword { get; }

    private PostgresServer(string bin, string dataDirectory, int port, string superPassword)
    {
        _bin = bin;
        DataDirectory = dataDirectory;
        Port = port;
        SuperPassword = superPassword;
    }

    public static async Task<PostgresServer> StartAsync(PostgresServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PostgresServerOptions();
        var bin = FindBinaries();
        var template = await TemplateAsync(bin, cancellationToken);
        var root = Path.Combine(Path.GetTempPath(), "sre-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        ChownToPostgres(root);
        var data = Path.Combine(root, "data");
        // cp -a keeps the owner (postgres, when the tests run as root) and the 0700 mode initdb gave it.
        await RunAsync("cp", ["-a", template.Data, data], cancellationToken);

        var port = options.Port ?? FreePort.Next();
        var server = new PostgresServer(bin, data, port, template.Password);
        await server.AppendConfigAsync(options, root);
        if (options.Start) await server.StartProcessAsync(cancellationToken);
        return server;
    }

    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static (string Data, string Password)? _template;

    /// <summary>One initdb per test process; every server starts from a copy of it, which costs a
    /// fraction of initdb's CPU (the tests start dozens of servers on two cores). Servers of one
    /// process share the superuser password, a random one.</summary>
    private static async Task<(string Data, string Password)> TemplateAsync(string bin, CancellationToken cancellationToken)
    {
        await TemplateLock.WaitAsync(cancellationToken);
        try
        {
            if (_template is { } ready) return ready;
            var root = Path.Combine(Path.GetTempPath(), "sre-pg-template-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(root);
            var password = "pw-" + Guid.NewGuid().ToString("N")[..16];
            var pwfile = Path.Combine(root, "pwfile");
            await File.WriteAllTextAsync(pwfile, password, cancellationToken);
            ChownToPostgres(root);
            var data = Path.Combine(root, "data");
            await RunAsync(bin, "initdb", ["-D", data, "-U", SuperUser, "--pwfile=" + pwfile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"], cancellationToken);
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try { Directory.Delete(root, recursive: true); } catch { /* temp dir */ }
            };
            _template = (data, password);
            return _template.Value;
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    private async Task AppendConfigAsync(PostgresServerOptions options, string root)
    {
        var conf = new List<string>
        {
            $"port = {Port}",
            $"listen_addresses = '{Host}'",
            $"unix_socket_directories = '{root}'",
            $"max_connections = {options.MaxConnections}",
            "superuser_reserved_connections = 3",
            "shared_preload_libraries = 'pg_stat_statements'",
            "pg_stat_statements.track = all",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "log_min_messages = warning",
            "shared_buffers = 32MB",
            // A deadlock scenario waits for the detector; the default 1 s only slows it down.
            "deadlock_timeout = 100ms",
        };
        conf.AddRange(options.ExtraSettings);
        await File.AppendAllLinesAsync(Path.Combine(DataDirectory, "postgresql.conf"), conf);
        if (options.ExtraHba.Count > 0)
            await File.AppendAllLinesAsync(Path.Combine(DataDirectory, "pg_hba.conf"), options.ExtraHba);
    }

    /// <summary>Clones this server with pg_basebackup -R into a streaming standby on its own port.
    /// The standby connects as <paramref name="applicationName"/> (what pg_stat_replication shows)
    /// and, when <paramref name="slotName"/> is given, through that physical slot (created here).
    /// Returns once the primary shows it streaming.</summary>
    public async Task<PostgresServer> StartStandbyAsync(string applicationName, string? slotName = null, CancellationToken cancellationToken = default)
    {
        if (slotName is not null)
            await ExecuteAsync($"SELECT pg_create_physical_replication_slot('{slotName.Replace("'", "''")}')", cancellationToken: cancellationToken);
        var root = Path.Combine(Path.GetTempPath(), "sre-pg-standby-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        ChownToPostgres(root);
        var data = Path.Combine(root, "data");
        var conninfo = $"host={Host} port={Port} user={SuperUser} password={SuperPassword} application_name={applicationName}";
        await RunAsync(_bin, "pg_basebackup", ["-D", data, "-d", conninfo, "-X", "stream", "-R", "-c", "fast"], cancellationToken);

        var standby = new PostgresServer(_bin, data, FreePort.Next(), SuperPassword);
        var conf = new List<string> { $"port = {standby.Port}", $"unix_socket_directories = '{root}'", "hot_standby = on" };
        if (slotName is not null) conf.Add($"primary_slot_name = '{slotName}'");
        await File.AppendAllLinesAsync(Path.Combine(data, "postgresql.conf"), conf, cancellationToken);
        await standby.StartProcessAsync(cancellationToken);
        await ScenarioDatabase.WaitUntilAsync(this,
            $"SELECT EXISTS (SELECT 1 FROM pg_stat_replication WHERE application_name = '{applicationName.Replace("'", "''")}' AND state = 'streaming')",
            $"standby '{applicationName}' to stream", cancellationToken: cancellationToken);
        return standby;
    }

    /// <summary>Starts (or restarts) the server process and waits until it accepts connections.</summary>
    public async Task StartProcessAsync(CancellationToken cancellationToken = default)
    {
        await RunAsync(_bin, "pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(DataDirectory, "..", "server.log"), "-w", "-t", "60", "start"], cancellationToken);
        _stopped = false;
    }

    public string ConnectionString(string database = "postgres", string? user = null, string? password = null, string? applicationName = null)
    {
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = database,
            Username = user ?? SuperUser,
            Password = password ?? (user is null ? SuperPassword : null),
            ApplicationName = applicationName ?? "sre-tests",
            Pooling = false,
            Timeout = 10,
        };
        return b.ConnectionString;
    }

    public async Task<NpgsqlConnection> OpenAsync(string database = "postgres", string? user = null, string? password = null, string? applicationName = null, CancellationToken cancellationToken = default)
    {
        var c = new NpgsqlConnection(ConnectionString(database, user, password, applicationName));
        await c.OpenAsync(cancellationToken);
        return c;
    }

    public async Task ExecuteAsync(string sql, string database = "postgres", CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(database, cancellationToken: cancellationToken);
        await using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 300 };
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<T?> ScalarAsync<T>(string sql, string database = "postgres", CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(database, cancellationToken: cancellationToken);
        await using var cmd = new NpgsqlCommand(sql, c);
        var v = await cmd.ExecuteScalarAsync(cancellationToken);
        return v is null or DBNull ? default : (T)Convert.ChangeType(v, typeof(T));
    }

    /// <summary>Creates a login role and a database it owns; returns nothing secret beyond what the caller chose.</summary>
    public async Task CreateDatabaseAsync(string database, string owner, string password, CancellationToken cancellationToken = default)
    {
        await ExecuteAsync($"CREATE ROLE \"{owner}\" LOGIN PASSWORD '{password.Replace("'", "''")}'", cancellationToken: cancellationToken);
        await ExecuteAsync($"CREATE DATABASE \"{database}\" OWNER \"{owner}\"", cancellationToken: cancellationToken);
        await ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", database, cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped) return;
        await RunAsync(_bin, "pg_ctl", ["-D", DataDirectory, "-w", "-t", "30", "-m", "immediate", "stop"], cancellationToken);
        _stopped = true;
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(); } catch { /* best effort: the directory goes anyway */ }
        try { Directory.Delete(Path.GetDirectoryName(DataDirectory)!, recursive: true); } catch { /* temp dir */ }
    }

    /// <summary>The server's own log, for failure messages.</summary>
    public string ServerLog()
    {
        var path = Path.Combine(DataDirectory, "..", "server.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    public static string FindBinaries()
    {
        string[] candidates = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin", "/usr/local/pgsql/bin"];
        foreach (var c in candidates)
            if (File.Exists(Path.Combine(c, "initdb"))) return c;
        throw new InvalidOperationException(
            "PostgreSQL server binaries were not found (looked in /usr/lib/postgresql/15/bin and others). " +
            "Install them with `apt-get install -y postgresql-15 postgresql-contrib-15` or run ./test.sh, which does.");
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static void ChownToPostgres(string path)
    {
        if (!IsRoot) return;
        var p = Process.Start(new ProcessStartInfo("chown", ["-R", "postgres:postgres", path]) { UseShellExecute = false })!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"chown of {path} to postgres failed");
    }

    internal static async Task RunAsync(string bin, string tool, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var exe = Path.Combine(bin, tool);
        await RunAsync(IsRoot ? "runuser" : exe, IsRoot ? ["-u", "postgres", "--", exe, .. args] : args, cancellationToken);
    }

    private static async Task RunAsync(string program, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(program, args);
        var tool = Path.GetFileName(program);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.WorkingDirectory = "/tmp";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }

    /// <summary>Runs another server binary (pg_basebackup, psql …) as the right user.</summary>
    public Task RunToolAsync(string tool, IEnumerable<string> args, CancellationToken cancellationToken = default) =>
        RunAsync(_bin, tool, args, cancellationToken);
}
