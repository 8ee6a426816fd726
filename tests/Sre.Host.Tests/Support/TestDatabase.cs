using Sre.Testing.Postgres;

namespace Sre.Host.Tests.Support;

/// <summary>One real PostgreSQL for the whole test assembly, with an application database 'app'
/// owned by 'app_user'. Tests that break a database get their own server.</summary>
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

/// <summary>Builds the HOCON a test server runs with — environments with postgres targets and a
/// development secrets file holding their credentials — exactly as a user writes --config.</summary>
public sealed class TestConfig
{
    public const string ProdDb = "op://Infrastructure/prod-db";
    public const string StagingDb = "op://Infrastructure/staging-db";

    private readonly List<(string Env, string Target, int Port, string Database, string Reference, string User, string Password)> _targets = [];

    private readonly List<(string Reference, string Json)> _items = [];

    /// <summary>Another item in the development secrets file (an API key, a token …).</summary>
    public TestConfig Item(string reference, IReadOnlyDictionary<string, string> fields)
    {
        _items.Add((reference, System.Text.Json.JsonSerializer.Serialize(fields)));
        return this;
    }

    public TestConfig Postgres(string environment, string target, int port, string database, string reference, string user, string password)
    {
        _targets.Add((environment, target, port, database, reference, user, password));
        return this;
    }

    /// <summary>A port that refuses connections for the whole test run (bound, never listening), so
    /// no server started later can take it and make "staging" answer.</summary>
    private static readonly Sre.Testing.Postgres.RefusedPort StagingPort = new();

    /// <summary>prod → the shared test database; staging → a port that refuses connections.</summary>
    public static TestConfig Standard(TestDatabase db) => new TestConfig()
        .Postgres("prod", "prod-db", db.Server.Port, TestDatabase.Database, ProdDb, TestDatabase.User, TestDatabase.Password)
        .Postgres("staging", "staging-db", StagingPort.Port, TestDatabase.Database, StagingDb, TestDatabase.User, TestDatabase.Password);

    public string Write(string directory, string? extra = null)
    {
        Directory.CreateDirectory(directory);
        var secrets = Path.Combine(directory, "secrets.dev.json");
        var items = _targets.Select(t => $"  \"{t.Reference}\": {{ \"username\": \"{t.User}\", \"password\": \"{t.Password}\" }}").Distinct()
            .Concat(_items.Select(i => $"  \"{i.Reference}\": {i.Json}"));
        File.WriteAllText(secrets, "{\n" + string.Join(",\n", items) + "\n}\n");
        var environments = _targets.GroupBy(t => t.Env).Select(g =>
            $"    {g.Key} {{ targets = [\n" +
            string.Join("\n", g.Select(t => $"      {{ kind = postgres, name = {t.Target}, host = \"127.0.0.1\", port = {t.Port}, database = {t.Database}, credential = \"{t.Reference}\" }}")) +
            "\n    ] }");
        return $$"""
            sre {
              environments {
            {{string.Join("\n", environments)}}
              }
              secrets { provider = file, file.path = "{{secrets}}" }
              sessions { agent-deadline = 30s, passivate-after-end = 5s }
              http { max-body-bytes = 16384, sse-keep-alive = 1s }
            }
            {{extra}}
            """;
    }
}
