using Npgsql;
using Sre.Testing.Postgres;
using Sre.Tools.Agents;
using Sre.Tools.Postgres;

namespace Sre.Tools.Tests.Postgres;

/// <summary>How the tool treats the database and its secret: read-only transactions with timeouts,
/// its own sessions left out and closed, the credential redeemed once and disposed.</summary>
public sealed class PostgresToolBehaviourTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Every_check_session_is_read_only_with_statement_and_lock_timeouts()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "readonly", cancellationToken: ct);
        await db.ExecuteAsync("CREATE TABLE migrations (id int)", ct);
        var migration = await db.OpenAppSessionAsync("migrate", ct);
        await ScenarioDatabase.RunAsync(migration, "BEGIN; LOCK TABLE migrations IN ACCESS EXCLUSIVE MODE;", ct);

        var endpoint = PostgresEndpoint.From(db.Target());
        await using var budget = new ConnectionBudget(
            endpoint.CreateDataSource(db.MonitorRole, await PasswordAsync(db, ct), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)), 1);
        using var lease = await budget.AcquireAsync(ct);
        await using var session = await ReadOnlySession.BeginAsync(lease, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(200), ct);

        var settings = await session.SingleAsync(
            "SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt, current_setting('search_path') AS sp, current_setting('application_name') AS app",
            r => (Ro: r.Text("ro"), St: r.Text("st"), Lt: r.Text("lt"), Sp: r.Text("sp"), App: r.Text("app")), ct);
        Assert.Equal(("on", "3s", "200ms", "pg_catalog", PostgresDiagnosticsOptions.ApplicationName), settings);

        var write = await session.TryQueryAsync("CREATE TABLE agent_was_here (id int)", r => 0, ct);
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, write.Error?.SqlState);

        // A table locked by a migration makes the agent's catalog read give up instead of queueing.
        var locked = await session.TryQueryAsync($"SELECT pg_relation_size('public.migrations'::regclass) AS n", r => r.Long("n"), ct);
        Assert.Equal(PostgresErrorCodes.LockNotAvailable, locked.Error?.SqlState);
    }

    [Fact]
    public async Task The_agent_leaves_its_own_sessions_out_of_the_statistics_and_closes_them_when_the_caller_stops_early()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "ownsessions", cancellationToken: ct);
        await db.OpenAppSessionAsync("checkout-svc", ct);

        var result = await Diagnose.RunAsync(db.Target(), db.MonitorCredential(), "anything", cancellationToken: ct);
        var usage = Assert.Single(result.Of(PostgresChecks.Connections, PostgresFindingKinds.Usage));
        Assert.Equal(1, usage.Number("total"));
        Assert.Equal(["checkout-svc"], usage.Keys("byApplication"));

        var tool = new PostgresDiagnostics();
        var run = new ToolRun("s-1", db.Target(), [], db.MonitorCredential(), DateTimeOffset.UtcNow.AddSeconds(60));
        await foreach (var _ in tool.RunAsync(run, ct))
            break;
        await db.WaitUntilAsync(
            $"SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = '{db.Name}' AND application_name = '{PostgresDiagnosticsOptions.ApplicationName}')",
            "the agent's connections to close", ct);
    }

    [Fact]
    public async Task The_credential_is_redeemed_once_per_run_and_disposed_after_the_login()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await ScenarioDatabase.CreateAsync(fixture.Server, "lease", cancellationToken: ct);
        var lease = (StaticCredentialLease)db.MonitorCredential();

        var result = await Diagnose.RunAsync(db.Target(), lease, "anything", cancellationToken: ct);

        Assert.Equal(PostgresFindingKinds.Connected, result.Of(PostgresChecks.Reachability).Single().Text("kind"));
        var bundle = Assert.Single(lease.Issued);
        Assert.Throws<ObjectDisposedException>(() => bundle.Field("password"));
    }

    private static async Task<string> PasswordAsync(ScenarioDatabase db, CancellationToken ct)
    {
        using var bundle = await db.MonitorCredential().RedeemAsync(ct);
        return bundle.RequireField("password");
    }
}
