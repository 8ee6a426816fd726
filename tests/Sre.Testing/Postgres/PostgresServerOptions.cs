namespace Sre.Testing.Postgres;

/// <summary>How to set up a test PostgreSQL server.</summary>
public sealed record PostgresServerOptions
{
    public int MaxConnections { get; init; } = 50;
    public int? Port { get; init; }
    /// <summary>Extra postgresql.conf lines (wal_level, hot_standby …).</summary>
    public IReadOnlyList<string> ExtraSettings { get; init; } = [];
    /// <summary>Extra pg_hba.conf lines (replication …).</summary>
    public IReadOnlyList<string> ExtraHba { get; init; } = [];
    public bool Start { get; init; } = true;
}
