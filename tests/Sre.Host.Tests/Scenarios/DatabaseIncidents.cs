using Sre.Host.Tests.Support;
using Sre.Testing.Postgres;

namespace Sre.Host.Tests.Scenarios;

/// <summary>Every scenario's database, broken the way production breaks before any of them is
/// diagnosed, and one `sre` server whose catalog has an environment per scenario. The server's HOCON
/// gives the agent short age thresholds (<see cref="ScenarioFixture.AgentConfig"/>), and sessions that
/// hurt others really are older than those (a lock wait, a transaction left idle, a statement still
/// running): the collection waits for those ages while it stages everything else, whatever order the
/// test classes then run in.
/// <para>Servers: PostgreSQL's activity, lock, connection-slot and replication views are
/// server-wide, so each session incident, each connection-slot incident and each replication
/// incident has its own server, or it would show up in another's diagnosis. Tables and statement
/// statistics are per database, so the table incidents, the healthy control and the login failures
/// share one server, with their sessions ended (but the control's idle one) before any diagnosis.</para></summary>
public sealed class DatabaseIncidents : ScenarioFixture
{
    public const string Collection = "database incidents";
    public const int SmallServerUsableSlots = 17;
    public const string StandbyName = "reporting-replica";
    public const string AbandonedSlot = "analytics_cdc";
    public const string WrongPassword = "not-the-password-4711";
    public const string MissingDatabase = "orders_archive";

    /// <summary>A little past a threshold, so the finding is graded at least a warning.</summary>
    private static TimeSpan Past(TimeSpan threshold) => threshold + TimeSpan.FromSeconds(1);

    public int LongQueryPid { get; private set; }
    public int IdleTransactionPid { get; private set; }
    public int LockBlockerPid { get; private set; }
    public int RedHerringBlockerPid { get; private set; }
    public ScenarioDatabase SlowQuery { get; private set; } = null!;
    public ScenarioDatabase Reach { get; private set; } = null!;
    public int ClosedPort { get; }

    public DatabaseIncidents() => ClosedPort = HoldRefusedPort();

    protected override async Task ArrangeAsync(TestConfig catalog, CancellationToken cancellationToken)
    {
        var ct = cancellationToken;

        // Everything is staged at once: the sessions age while the tables fill and the WAL is written.
        var longQuery = OnOwnServerAsync(catalog, "longquery", db => db.RunLongQueryAsync("report-job", Past(Configured.LongRunningQueryWarning), ct), ct);
        var idle = OnOwnServerAsync(catalog, "idletx", db => db.LeaveTransactionIdleAsync("billing-worker", Past(Configured.IdleInTransactionWarning), ct), ct);
        var locks = OnOwnServerAsync(catalog, "locks", db => db.PileUpBehindIdleTransactionAsync("billing-worker", "checkout-svc", waiters: 3, Past(Configured.LockWaitWarning), ct), ct);
        var herring = OnOwnServerAsync(catalog, "herring", db => RedHerringAsync(db, ct), ct);
        await Task.WhenAll(TablesAsync(catalog, ct), ConnectionSlotsAsync(catalog, ct), ReplicationAsync(catalog, ct), longQuery, idle, locks, herring);
        (LongQueryPid, IdleTransactionPid, LockBlockerPid, RedHerringBlockerPid) = (await longQuery, await idle, await locks, await herring);
    }

    /// <summary>A session incident on a server of its own (see above why), as environment <paramref name="environment"/>.</summary>
    private async Task<int> OnOwnServerAsync(TestConfig catalog, string environment, Func<ScenarioDatabase, Task<int>> stage, CancellationToken ct)
    {
        var db = await CreateDatabaseOnOwnServerAsync(environment, ct);
        lock (catalog) catalog.Scenario(environment, db);
        return await stage(db);
    }

    /// <summary>A little bloat next to a lock pile-up.</summary>
    private static async Task<int> RedHerringAsync(ScenarioDatabase db, CancellationToken ct)
    {
        await db.LeaveDeadRowsAsync("audit_log", rows: 40000, deadPercent: 30, ct);
        return await db.PileUpBehindIdleTransactionAsync("billing-worker", "checkout-svc", waiters: 3, Past(Configured.LockWaitWarning), ct);
    }

    /// <summary>Per-database problems, the healthy control and the logins that fail, on one server,
    /// staged side by side (each in its own database).</summary>
    private async Task TablesAsync(TestConfig catalog, CancellationToken ct)
    {
        var server = await StartPostgresAsync(null, ct);
        async Task<ScenarioDatabase> StagedAsync(string environment, Func<ScenarioDatabase, Task> stage)
        {
            var db = await CreateDatabaseAsync(server, environment, ct);
            await stage(db);
            lock (catalog) catalog.Scenario(environment, db);
            return db;
        }
        var slowQuery = StagedAsync("slowquery", db => db.CallSlowStatementAsync("loyalty-api", calls: 6, ct));
        var reach = CreateDatabaseAsync(server, "reach", ct);
        await Task.WhenAll(
            StagedAsync("noindex", db => db.LookUpByUnindexedColumnAsync("checkout-svc", lookups: 60, ct)),
            StagedAsync("bloat", db => db.LeaveDeadRowsAsync("events", rows: 100000, deadPercent: 80, ct)),
            StagedAsync("healthy", db => db.ServeIndexedLookupsAsync("checkout-svc", lookups: 50, ct)),
            slowQuery, reach);
        (SlowQuery, Reach) = (await slowQuery, await reach);
        lock (catalog)
            catalog.Scenario("unreachable", Reach, port: ClosedPort)
                .Scenario("wrongpassword", Reach, password: WrongPassword)
                .Scenario("nodatabase", Reach, database: MissingDatabase);
    }

    /// <summary>Two small servers (20 slots, 3 reserved for superusers): on one an application holds
    /// all usable slots but one, on the other every one of them.</summary>
    private async Task ConnectionSlotsAsync(TestConfig catalog, CancellationToken ct)
    {
        var small = new PostgresServerOptions { MaxConnections = SmallServerUsableSlots + 3 };
        var exhausted = await CreateDatabaseAsync(await StartPostgresAsync(small, ct), "exhausted", ct);
        await exhausted.HoldIdleConnectionsAsync("checkout-svc", SmallServerUsableSlots - 1, ct);
        var full = await CreateDatabaseAsync(await StartPostgresAsync(small, ct), "full", ct);
        await full.HoldIdleConnectionsAsync("checkout-svc", SmallServerUsableSlots, ct);
        lock (catalog) catalog.Scenario("exhausted", exhausted).Scenario("full", full);
    }

    /// <summary>A primary whose streaming standby has replay paused behind the primary's writes (the
    /// catalog has both), and another primary, with max_wal_size at its 32 MB minimum, holding a slot
    /// nobody consumes.</summary>
    private async Task ReplicationAsync(TestConfig catalog, CancellationToken ct)
    {
        var primary = await StartPostgresAsync(null, ct);
        var standby = await StartStandbyAsync(primary, StandbyName, "reporting_slot", ct);
        var replica = await CreateDatabaseAsync(primary, "replica", ct);
        // Replay stays paused until the servers go with the fixture.
        await replica.PauseReplayBehindWritesAsync(standby, StandbyName, ct);

        var slots = await CreateDatabaseAsync(await StartPostgresAsync(new PostgresServerOptions { ExtraSettings = ["min_wal_size = '32MB'", "max_wal_size = '32MB'"] }, ct), "slots", ct);
        await slots.AbandonReplicationSlotAsync(AbandonedSlot, ct);
        lock (catalog) catalog.Scenario("replica", replica).Scenario("standby", replica, port: standby.Port).Scenario("slot", slots);
    }
}

[CollectionDefinition(DatabaseIncidents.Collection)]
public sealed class DatabaseIncidentsCollection : ICollectionFixture<DatabaseIncidents>;
