using Npgsql;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres;

/// <summary>Where the agent connects, from the target's catalog settings. The login comes from the
/// redeemed credential at use time, never from environment variables or the settings.</summary>
public sealed record PostgresEndpoint(string Host, int Port, string Database, string? SslMode)
{
    public static PostgresEndpoint From(Target target) => new(
        target.RequireSetting("host"),
        target.IntSetting("port", 5432),
        target.Setting("database") ?? "postgres",
        target.Setting("sslmode"));

    public override string ToString() => $"{Host}:{Port}/{Database}";

    /// <summary>An unpooled data source for one run: the run keeps its own few connections
    /// (<see cref="ConnectionBudget"/>) and closes them when it ends.</summary>
    public NpgsqlDataSource CreateDataSource(string user, string? password, TimeSpan connectTimeout, TimeSpan commandTimeout)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = Database,
            Username = user,
            Password = password,
            ApplicationName = PostgresDiagnosticsOptions.ApplicationName,
            Pooling = false,
            Timeout = Math.Clamp((int)Math.Ceiling(connectTimeout.TotalSeconds), 1, 1024),
            CommandTimeout = Math.Clamp((int)Math.Ceiling(commandTimeout.TotalSeconds) + 5, 1, 1024),
            IncludeErrorDetail = false,
            Enlist = false,
        };
        if (SslMode is { Length: > 0 } mode)
            builder.SslMode = Enum.TryParse<Npgsql.SslMode>(mode.Replace("-", ""), ignoreCase: true, out var parsed)
                ? parsed
                : throw new InvalidOperationException($"Unknown sslmode '{mode}'. Known: disable, allow, prefer, require, verify-ca, verify-full.");
        // Diagnostic SQL casts everything to built-in scalars and arrays, so a slim source without
        // pg_type loading is enough; it halves the cost of the first connection of a run.
        var source = new NpgsqlSlimDataSourceBuilder(builder.ConnectionString);
        source.EnableArrays();
        source.ConfigureTypeLoading(t => t.EnableTypeLoading(false));
        return source.Build();
    }
}
