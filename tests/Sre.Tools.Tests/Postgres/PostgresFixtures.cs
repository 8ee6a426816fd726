using Sre.Testing.Postgres;

namespace Sre.Tools.Tests.Postgres;

/// <summary>One real PostgreSQL 15 per test class. Scenarios in a class run one after another and
/// each works in its own <see cref="ScenarioDatabase"/>, which ends its sessions when disposed.</summary>
public class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    protected virtual PostgresServerOptions Options => new();

    public virtual async ValueTask InitializeAsync() =>
        Server = await PostgresServer.StartAsync(Options, TestContext.Current.CancellationToken);

    public virtual async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>A server with few connection slots (20, 3 reserved), so a scenario can fill them.</summary>
public sealed class SmallServerFixture : PostgresFixture
{
    public const int MaxConnections = 20;

    protected override PostgresServerOptions Options => new() { MaxConnections = MaxConnections };
}

/// <summary>A primary with a streaming standby cloned by pg_basebackup -R, connected through a
/// physical slot as application 'reporting-replica'.</summary>
public sealed class ReplicationFixture : PostgresFixture
{
    public const string StandbyName = "reporting-replica";
    public const string SlotName = "reporting_slot";

    public PostgresServer Standby { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Standby = await Server.StartStandbyAsync(StandbyName, SlotName, TestContext.Current.CancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await Standby.DisposeAsync();
        await base.DisposeAsync();
    }
}
