using Npgsql;

namespace Sre.Tools.Postgres;

/// <summary>A READ ONLY transaction on one of the agent's connections, with SET LOCAL
/// statement_timeout, lock_timeout and a search_path of pg_catalog alone (so no application
/// object can shadow a catalog view). All SQL is constant text with parameters; every statement
/// carries a marker comment so the agent can leave its own statements out of pg_stat_statements.</summary>
public sealed class ReadOnlySession : IAsyncDisposable
{
    /// <summary>Prefix of every statement the agent sends.</summary>
    public const string Marker = "/* sre-diagnostics */ ";

    private const string Begin = "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY";
    private const string Limits = Marker +
        "SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true), set_config('search_path', 'pg_catalog', true)";

    private readonly ConnectionLease _lease;
    private bool _ended;

    private ReadOnlySession(ConnectionLease lease) => _lease = lease;

    public NpgsqlConnection Connection => _lease.Connection;

    public static async Task<ReadOnlySession> BeginAsync(ConnectionLease lease, TimeSpan statementTimeout, TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        var session = new ReadOnlySession(lease);
        await using var batch = new NpgsqlBatch(lease.Connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(Begin),
                new NpgsqlBatchCommand(Limits)
                {
                    Parameters =
                    {
                        new NpgsqlParameter { Value = Milliseconds(statementTimeout) },
                        new NpgsqlParameter { Value = Milliseconds(lockTimeout) },
                    },
                },
            },
        };
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
        return session;
    }

    private static string Milliseconds(TimeSpan t) => Math.Max(1, (long)t.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs a constant query and maps each row.</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(map(reader));
        return rows;
    }

    /// <summary>Runs a constant query expected to return one row.</summary>
    public async Task<T> SingleAsync<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        var rows = await QueryAsync(sql, map, cancellationToken, parameters);
        return rows.Count > 0 ? rows[0] : throw new InvalidOperationException("A diagnostic query returned no row.");
    }

    /// <summary>Runs a query that may fail for reasons the check reports rather than dies of (a view an
    /// extension provides, a privilege the role lacks) inside a savepoint, so the transaction survives.
    /// Returns null and the server's error when it fails.</summary>
    public async Task<(List<T>? Rows, PostgresException? Error)> TryQueryAsync<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using (var savepoint = new NpgsqlCommand("SAVEPOINT sre_optional", _lease.Connection))
            await savepoint.ExecuteNonQueryAsync(cancellationToken);
        try
        {
            var rows = await QueryAsync(sql, map, cancellationToken, parameters);
            await using var release = new NpgsqlCommand("RELEASE SAVEPOINT sre_optional", _lease.Connection);
            await release.ExecuteNonQueryAsync(cancellationToken);
            return (rows, null);
        }
        catch (PostgresException e) when (e.SqlState != PostgresErrorCodes.QueryCanceled)
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK TO SAVEPOINT sre_optional", _lease.Connection);
            await rollback.ExecuteNonQueryAsync(cancellationToken);
            return (null, e);
        }
    }

    private NpgsqlCommand Command(string sql, (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(Marker + sql, _lease.Connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ended) return;
        _ended = true;
        try
        {
            if (_lease.Connection.State == System.Data.ConnectionState.Open)
            {
                await using var rollback = new NpgsqlCommand("ROLLBACK", _lease.Connection);
                using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await rollback.ExecuteNonQueryAsync(guard.Token);
            }
            else
            {
                _lease.MarkBroken();
            }
        }
        catch
        {
            _lease.MarkBroken();
        }
        finally
        {
            _lease.Dispose();
        }
    }
}
