using Akka.Configuration;
using Akka.Persistence.Sql;

namespace Sre.Actors.Hosting;

/// <summary>The HOCON layers shipped in hocon/ (embedded), and the persistence section built for
/// a node's data directory or database.</summary>
public static class SreHocon
{
    public const string AkkaBase = "akka.conf";
    public const string Defaults = "sre.conf";
    public const string ExampleEnvironments = "environments.conf";
    public const string SingleNode = "single-node.conf";
    public const string Cluster = "cluster.conf";

    /// <summary>The text of one embedded layer.</summary>
    public static string Text(string name)
    {
        using var stream = typeof(SreHocon).Assembly.GetManifestResourceStream("hocon/" + name)
            ?? throw new FileNotFoundException($"Embedded HOCON layer '{name}' is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static Config Layer(string name) => ConfigurationFactory.ParseString(Text(name));

    /// <summary>Journal, snapshot store and read journal on SQLite (embedded default and tests).
    /// The file is switched to WAL mode first: readers (streams, the directory) no longer block the
    /// single writer, and a commit costs one append instead of a rollback journal's rewrites.</summary>
    public static Config SqlitePersistence(string databasePath)
    {
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={databasePath}"))
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA journal_mode=WAL;";
            pragma.ExecuteNonQuery();
        }
        return Persistence($"Data Source={databasePath};Pooling=True", "SQLite.MS", parallelism: 1);
    }

    /// <summary>Journal, snapshot store and read journal on PostgreSQL (clusters).</summary>
    public static Config PostgresPersistence(string connectionString) =>
        Persistence(connectionString, "PostgreSQL.15", parallelism: 3);

    private static Config Persistence(string connectionString, string provider, int parallelism)
    {
        var cs = Quote(connectionString);
        return ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  connection-string = {{cs}}
                  provider-name = "{{provider}}"
                  auto-initialize = on
                  parallelism = {{parallelism}}
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  connection-string = {{cs}}
                  provider-name = "{{provider}}"
                  auto-initialize = on
                }
              }
              query.journal.sql {
                connection-string = {{cs}}
                provider-name = "{{provider}}"
                refresh-interval = 1s
              }
            }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>A HOCON string literal (connection strings hold '=' and ';').</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
