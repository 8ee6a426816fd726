using System.Collections.Concurrent;
using System.Data;
using Npgsql;

namespace Sre.Tools.Postgres;

/// <summary>The few connections one run may hold, shared by its checks. When the server refuses
/// another connection with "too many clients" (53300) the budget settles for the connections it
/// already has instead of failing checks: a database near its limit is exactly when the agent
/// is needed, and it must not make things worse.</summary>
public sealed class ConnectionBudget(NpgsqlDataSource source, int limit) : IAsyncDisposable
{
    private readonly SemaphoreSlim _permits = new(Math.Max(1, limit), Math.Max(1, limit));
    private readonly ConcurrentQueue<NpgsqlConnection> _idle = new();
    private readonly ConcurrentDictionary<int, NpgsqlConnection> _open = new();
    private int _refused;

    /// <summary>Backend pids of the agent's own connections, to leave out of statistics.</summary>
    public int[] BackendPids => _open.Keys.ToArray();

    /// <summary>How many extra connections the server refused during this run.</summary>
    public int Refused => Volatile.Read(ref _refused);

    public int Opened => _open.Count;

    /// <summary>Waits for a connection: an idle one, a new one while under the limit, or the next
    /// one another check hands back. Throws what Npgsql throws when even the first connect fails.</summary>
    public async Task<ConnectionLease> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _permits.WaitAsync(cancellationToken);
            if (_idle.TryDequeue(out var idle)) return new ConnectionLease(this, idle);
            try
            {
                var connection = await source.OpenConnectionAsync(cancellationToken);
                _open[connection.ProcessID] = connection;
                return new ConnectionLease(this, connection);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.TooManyConnections && !_open.IsEmpty)
            {
                // Keep the permit: the budget shrinks by one and the caller waits for a held connection.
                Interlocked.Increment(ref _refused);
            }
            catch
            {
                _permits.Release();
                throw;
            }
        }
    }

    internal void Return(NpgsqlConnection connection, bool reusable)
    {
        if (reusable && connection.State == ConnectionState.Open)
        {
            _idle.Enqueue(connection);
        }
        else
        {
            _open.TryRemove(connection.ProcessID, out _);
            connection.Dispose();
        }
        _permits.Release();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _open.Values)
            await c.DisposeAsync();
        _open.Clear();
        _idle.Clear();
        await source.DisposeAsync();
    }
}

/// <summary>One connection borrowed from the budget; disposing hands it back.</summary>
public sealed class ConnectionLease(ConnectionBudget budget, NpgsqlConnection connection) : IDisposable
{
    private bool _returned;
    private bool _broken;

    public NpgsqlConnection Connection { get; } = connection;

    /// <summary>The connection is in an unknown state (a rollback failed): close it instead of reusing it.</summary>
    public void MarkBroken() => _broken = true;

    public void Dispose()
    {
        if (_returned) return;
        _returned = true;
        budget.Return(Connection, !_broken);
    }
}
