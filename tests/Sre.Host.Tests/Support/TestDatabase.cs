using Sre.Testing.Postgres;

namespace Sre.Host.Tests.Support;

/// <summary>One real PostgreSQL for the whole test assembly, with an application database 'app'
/// owned by 'app_user'. Tests that break the database get their own server.</summary>
public sealed class TestDatabase : IAsyncLifetime
{
    public const string Database = "app";
    public const string User = "app_user";
    public const string Password = "app-Pa55-7b1e9c";

    public PostgresServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = 40 });
        await Server.CreateDatabaseAsync(Database, User, Password);
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Builds the HOCON a test server runs with: environments pointing at the test database
/// (and at a closed port), and a development secrets file holding their credentials.</summary>
public static class TestConfig
{
    public const string ProdDb = "op://Infrastructure/prod-db";
    public const string StagingDb = "op://Infrastructure/staging-db";

    public static string Write(string directory, int port, string? extra = null, string? password = null)
    {
        Directory.CreateDirectory(directory);
        var secrets = Path.Combine(directory, "secrets.dev.json");
        File.WriteAllText(secrets, $$"""
            {
              "{{ProdDb}}": { "username": "{{TestDatabase.User}}", "password": "{{password ?? TestDatabase.Password}}" },
              "{{StagingDb}}": { "username": "{{TestDatabase.User}}", "password": "{{TestDatabase.Password}}" }
            }
            """);
        var closedPort = Sre.Testing.FreePort.Next();
        return $$"""
            sre {
              environments {
                prod {
                  targets = [
                    { kind = postgres, name = prod-db, host = "127.0.0.1", port = {{port}}, database = {{TestDatabase.Database}}, credential = "{{ProdDb}}" }
                  ]
                }
                staging {
                  targets = [
                    { kind = postgres, name = staging-db, host = "127.0.0.1", port = {{closedPort}}, database = {{TestDatabase.Database}}, credential = "{{StagingDb}}" }
                  ]
                }
              }
              secrets { provider = file, file.path = "{{secrets}}" }
              sessions { agent-deadline = 30s, passivate-after-end = 5s }
              http { max-body-bytes = 16384, sse-keep-alive = 1s }
            }
            {{extra}}
            """;
    }
}
