using Npgsql;

namespace Sre.Testing.Postgres;

/// <summary>How production breaks a database, one small method per incident, shared by the
/// tool-level scenarios (tool + rules) and the session-level ones (through the server). The sessions
/// an incident opens belong to its <see cref="ScenarioDatabase"/>, which ends them. Where the
/// diagnosis depends on how old something is, the method returns only once the incident is older
/// than <c>age</c>: ages are waited for, never faked.</summary>
public static class Incidents
{
    /// <summary>An application's pool holding <paramref name="count"/> connections, each idle after one query.</summary>
    public static async Task HoldIdleConnectionsAsync(this ScenarioDatabase db, string application, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
            await ScenarioDatabase.RunAsync(await db.OpenAppSessionAsync(application, cancellationToken), "SELECT 1", cancellationToken);
    }

    /// <summary>'<paramref name="blocker"/>' updates row 1 of public.accounts and leaves its transaction
    /// open, idle; <paramref name="waiters"/> sessions of '<paramref name="waiter"/>' queue behind it for
    /// the same row. Returns the blocker's pid once every waiter has waited longer than <paramref name="age"/>
    /// (the blocker has been idle longer still).</summary>
    public static async Task<int> PileUpBehindIdleTransactionAsync(this ScenarioDatabase db, string blocker, string waiter, int waiters, TimeSpan age, CancellationToken cancellationToken)
    {
        await CreateAccountsAsync(db, cancellationToken);
        var holder = await db.OpenAppSessionAsync(blocker, cancellationToken);
        await ScenarioDatabase.RunAsync(holder, "BEGIN; UPDATE accounts SET balance = balance + 1 WHERE id = 1;", cancellationToken);
        for (var i = 0; i < waiters; i++)
            db.StartInBackground(await db.OpenAppSessionAsync(waiter, cancellationToken), "UPDATE accounts SET balance = balance - 1 WHERE id = 1");
        await db.WaitUntilAsync($"""
            SELECT count(*) = {waiters} FROM pg_stat_activity
            WHERE datname = '{db.Name}' AND wait_event_type = 'Lock' AND now() - query_start > {Interval(age)}
            """, $"{waiters} waiters behind the blocker for {age}", cancellationToken);
        await WaitIdleInTransactionAsync(db, holder.ProcessID, age, cancellationToken);
        return holder.ProcessID;
    }

    /// <summary>'<paramref name="application"/>' locks row 2 of public.accounts (SELECT … FOR UPDATE) and
    /// leaves its transaction open with nobody waiting. Returns its pid once it has been idle longer than <paramref name="age"/>.</summary>
    public static async Task<int> LeaveTransactionIdleAsync(this ScenarioDatabase db, string application, TimeSpan age, CancellationToken cancellationToken)
    {
        await CreateAccountsAsync(db, cancellationToken);
        var session = await db.OpenAppSessionAsync(application, cancellationToken);
        await ScenarioDatabase.RunAsync(session, "BEGIN; SELECT balance FROM accounts WHERE id = 2 FOR UPDATE;", cancellationToken);
        await WaitIdleInTransactionAsync(db, session.ProcessID, age, cancellationToken);
        return session.ProcessID;
    }

    /// <summary>'<paramref name="application"/>' runs a statement that does not finish for ten minutes.
    /// Returns its pid once it has been running longer than <paramref name="age"/>.</summary>
    public static async Task<int> RunLongQueryAsync(this ScenarioDatabase db, string application, TimeSpan age, CancellationToken cancellationToken)
    {
        var session = await db.OpenAppSessionAsync(application, cancellationToken);
        db.StartInBackground(session, "SELECT count(*) FROM pg_sleep(600)");
        await db.WaitUntilAsync(
            $"SELECT state = 'active' AND now() - query_start > {Interval(age)} FROM pg_stat_activity WHERE pid = {session.ProcessID}",
            $"the statement of {application} to run for {age}", cancellationToken);
        return session.ProcessID;
    }

    /// <summary>public.orders, 200,000 rows with no index on customer_email, looked up by that column
    /// <paramref name="lookups"/> times by '<paramref name="application"/>' (each lookup a full scan). The
    /// session then ends, so its scans are in the statistics.</summary>
    public static async Task LookUpByUnindexedColumnAsync(this ScenarioDatabase db, string application, int lookups, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync("""
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_email text NOT NULL, amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
            INSERT INTO orders (id, customer_email, amount) SELECT g, 'customer' || (g % 5000) || '@example.com', g % 100 FROM generate_series(1, 200000) g;
            ANALYZE orders;
            """, cancellationToken);
        var app = await db.OpenAppSessionAsync(application, cancellationToken);
        for (var i = 0; i < lookups; i++)
            await ScenarioDatabase.RunAsync(app, $"/* {application}:order-history */ SELECT id, amount FROM orders WHERE customer_email = 'customer{i}@example.com'", cancellationToken);
        await db.DisconnectAsync(app, cancellationToken);
    }

    /// <summary>A table of <paramref name="rows"/> rows with autovacuum off, of which
    /// <paramref name="deadPercent"/>% were deleted and never vacuumed.</summary>
    public static Task LeaveDeadRowsAsync(this ScenarioDatabase db, string table, int rows, int deadPercent, CancellationToken cancellationToken) =>
        db.ExecuteAsync($"""
            CREATE TABLE {table} (id bigint PRIMARY KEY, payload text NOT NULL) WITH (autovacuum_enabled = false);
            INSERT INTO {table} SELECT g, repeat('x', 100) FROM generate_series(1, {rows}) g;
            DELETE FROM {table} WHERE id % 100 < {deadPercent};
            """, cancellationToken);

    /// <summary>'<paramref name="application"/>' reads <paramref name="table"/> (<paramref name="rows"/> rows,
    /// autovacuum on) in a repeatable-read transaction and leaves it open, idle, holding its snapshot;
    /// then <paramref name="deadPercent"/>% of the rows are deleted and the table vacuumed, which cannot
    /// remove rows that died after that snapshot. Returns the holder's pid once it has been idle longer
    /// than <paramref name="age"/>.</summary>
    public static async Task<int> HoldSnapshotOverDeletesAsync(this ScenarioDatabase db, string application, string table, int rows, int deadPercent, TimeSpan age, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync($"""
            CREATE TABLE {table} (id bigint PRIMARY KEY, payload text NOT NULL);
            INSERT INTO {table} SELECT g, repeat('x', 100) FROM generate_series(1, {rows}) g;
            """, cancellationToken);
        var holder = await db.OpenAppSessionAsync(application, cancellationToken);
        await ScenarioDatabase.RunAsync(holder, $"BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM {table};", cancellationToken);
        await db.ExecuteAsync($"DELETE FROM {table} WHERE id % 100 < {deadPercent}", cancellationToken);
        await db.ExecuteAsync($"VACUUM {table}", cancellationToken);
        await WaitIdleInTransactionAsync(db, holder.ProcessID, age, cancellationToken);
        return holder.ProcessID;
    }

    /// <summary>'<paramref name="application"/>' calls a lookup whose per-row function does expensive work
    /// (pg_sleep(0.8) stands in for it, so each call takes longer than 500 ms on any machine),
    /// <paramref name="calls"/> times from as many sessions at once. The sessions then end.</summary>
    public static async Task CallSlowStatementAsync(this ScenarioDatabase db, string application, int calls, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync("""
            CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
            INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 1000) g;
            CREATE FUNCTION loyalty_score(customer_id int) RETURNS int LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM pg_sleep(0.8);
              RETURN customer_id % 7;
            END $$;
            """, cancellationToken);
        var sessions = new List<NpgsqlConnection>();
        for (var i = 0; i < calls; i++)
            sessions.Add(await db.OpenAppSessionAsync(application, cancellationToken));
        await Task.WhenAll(sessions.Select((s, i) =>
            ScenarioDatabase.RunAsync(s, $"SELECT id, name, loyalty_score(id) FROM customers WHERE id = {i + 1}", cancellationToken)));
        foreach (var s in sessions)
            await db.DisconnectAsync(s, cancellationToken);
    }

    /// <summary>The control: a small, indexed customers table and '<paramref name="application"/>' looking
    /// rows up by primary key, as a healthy application does. Its session stays open, idle.</summary>
    public static async Task ServeIndexedLookupsAsync(this ScenarioDatabase db, string application, int lookups, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync("""
            CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz DEFAULT now());
            INSERT INTO customers (id, email) SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 5000) g;
            ANALYZE customers;
            """, cancellationToken);
        var app = await db.OpenAppSessionAsync(application, cancellationToken);
        for (var i = 1; i <= lookups; i++)
            await ScenarioDatabase.RunAsync(app, $"SELECT email FROM customers WHERE id = {i}", cancellationToken);
    }

    /// <summary>'order-svc' and 'restock-job' update two rows of public.stock in opposite orders and
    /// PostgreSQL aborts one of them (SQLSTATE 40P01). Both sessions then end, so the deadlock is counted.</summary>
    public static async Task DeadlockAsync(this ScenarioDatabase db, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync("CREATE TABLE stock (id int PRIMARY KEY, qty int NOT NULL); INSERT INTO stock VALUES (1, 10), (2, 10);", cancellationToken);
        var a = await db.OpenAppSessionAsync("order-svc", cancellationToken);
        var b = await db.OpenAppSessionAsync("restock-job", cancellationToken);
        await ScenarioDatabase.RunAsync(a, "BEGIN; UPDATE stock SET qty = qty - 1 WHERE id = 1;", cancellationToken);
        await ScenarioDatabase.RunAsync(b, "BEGIN; UPDATE stock SET qty = qty + 1 WHERE id = 2;", cancellationToken);
        var first = ScenarioDatabase.RunAsync(a, "UPDATE stock SET qty = qty - 1 WHERE id = 2", cancellationToken);
        await db.WaitUntilAsync($"SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = {a.ProcessID}", "order-svc to wait for restock-job", cancellationToken);
        var second = ScenarioDatabase.RunAsync(b, "UPDATE stock SET qty = qty + 1 WHERE id = 1", cancellationToken);
        var outcomes = await Task.WhenAll(Outcome(first), Outcome(second));
        if (!outcomes.Any(e => e is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected }))
            throw new InvalidOperationException("No deadlock was detected: " + string.Join("; ", outcomes.Select(e => e?.Message ?? "ok")));
        await db.DisconnectAsync(a, cancellationToken);
        await db.DisconnectAsync(b, cancellationToken);
    }

    /// <summary>Pauses WAL replay on <paramref name="standby"/> (streaming from this database's server as
    /// <paramref name="standbyName"/>) while the primary writes about 25 MB into public.ledger. Returns once
    /// the standby has received and flushed that WAL without replaying it; disposing resumes replay.</summary>
    public static async Task<IAsyncDisposable> PauseReplayBehindWritesAsync(this ScenarioDatabase db, PostgresServer standby, string standbyName, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync("CREATE TABLE ledger (id bigint PRIMARY KEY, entry text NOT NULL)", cancellationToken);
        await ScenarioDatabase.WaitUntilAsync(db.Server,
            $"SELECT replay_lsn >= pg_current_wal_lsn() FROM pg_stat_replication WHERE application_name = '{standbyName}'",
            "the standby to replay everything", cancellationToken: cancellationToken);
        await standby.ExecuteAsync("SELECT pg_wal_replay_pause()", cancellationToken: cancellationToken);
        var pause = new ReplayPause(standby);
        try
        {
            await db.ExecuteAsync("INSERT INTO ledger SELECT g, repeat('x', 200) FROM generate_series(1, 100000) g", cancellationToken);
            await ScenarioDatabase.WaitUntilAsync(db.Server,
                $"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) > 20 * 1024 * 1024 AND pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn) < 1024 * 1024 FROM pg_stat_replication WHERE application_name = '{standbyName}'",
                "the standby to receive the WAL without replaying it", cancellationToken: cancellationToken);
            return pause;
        }
        catch
        {
            await pause.DisposeAsync();
            throw;
        }
    }

    /// <summary>A physical replication slot <paramref name="slot"/> that reserves WAL from now on but
    /// that no consumer ever connects to, while the primary writes into public.wal_filler until the slot
    /// retains more WAL than max_wal_size. Disposing drops the slot.</summary>
    public static async Task<IAsyncDisposable> AbandonReplicationSlotAsync(this ScenarioDatabase db, string slot, CancellationToken cancellationToken)
    {
        var quoted = slot.Replace("'", "''");
        await db.Server.ExecuteAsync($"SELECT pg_create_physical_replication_slot('{quoted}', true)", cancellationToken: cancellationToken);
        var abandoned = new DroppedSlot(db.Server, quoted);
        try
        {
            await db.ExecuteAsync("CREATE TABLE wal_filler (id bigint PRIMARY KEY, entry text NOT NULL)", cancellationToken);
            var retainsMoreThanMaxWal = $"""
                SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) > pg_size_bytes(current_setting('max_wal_size'))
                FROM pg_replication_slots WHERE slot_name = '{quoted}'
                """;
            for (var batch = 0; !await db.Server.ScalarAsync<bool>(retainsMoreThanMaxWal, cancellationToken: cancellationToken); batch++)
            {
                if (batch == 50) throw new InvalidOperationException($"Slot '{slot}' never retained more than max_wal_size.");
                await db.ExecuteAsync($"INSERT INTO wal_filler SELECT g, repeat('x', 200) FROM generate_series({batch * 50000 + 1}, {(batch + 1) * 50000}) g", cancellationToken);
            }
            return abandoned;
        }
        catch
        {
            await abandoned.DisposeAsync();
            throw;
        }
    }

    private sealed class DroppedSlot(PostgresServer server, string quotedSlot) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() =>
            await server.ExecuteAsync($"SELECT pg_drop_replication_slot('{quotedSlot}')", cancellationToken: CancellationToken.None);
    }

    private sealed class ReplayPause(PostgresServer standby) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() =>
            await standby.ExecuteAsync("SELECT pg_wal_replay_resume()", cancellationToken: CancellationToken.None);
    }

    private static Task CreateAccountsAsync(ScenarioDatabase db, CancellationToken cancellationToken) =>
        db.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY, balance bigint NOT NULL);
            INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 100) g ON CONFLICT DO NOTHING;
            """, cancellationToken);

    private static Task WaitIdleInTransactionAsync(ScenarioDatabase db, int pid, TimeSpan age, CancellationToken cancellationToken) =>
        db.WaitUntilAsync(
            $"SELECT state = 'idle in transaction' AND now() - state_change > {Interval(age)} FROM pg_stat_activity WHERE pid = {pid}",
            $"session {pid} to be idle in transaction for {age}", cancellationToken);

    private static string Interval(TimeSpan age) => $"interval '{(long)age.TotalMilliseconds} milliseconds'";

    private static async Task<Exception?> Outcome(Task task)
    {
        try { await task; return null; }
        catch (Exception e) { return e; }
    }
}
