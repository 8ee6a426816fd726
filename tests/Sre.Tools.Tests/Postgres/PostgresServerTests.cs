using Sre.Testing.Postgres;

namespace Sre.Tools.Tests.Postgres;

public sealed class PostgresServerTests
{
    [Fact]
    public async Task A_started_server_accepts_password_logins_and_has_pg_stat_statements_preloaded()
    {
        await using var server = await PostgresServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var preload = await server.ScalarAsync<string>("SHOW shared_preload_libraries", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("pg_stat_statements", preload);
        var version = await server.ScalarAsync<int>("SELECT current_setting('server_version_num')::int", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(version >= 150000, $"server_version_num {version}");
    }
}
