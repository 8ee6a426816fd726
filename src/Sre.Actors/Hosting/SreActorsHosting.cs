using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Routing;
using Sre.Actors.Agents;
using Sre.Actors.Audit;
using Sre.Actors.Credentials;
using Sre.Actors.Directory;
using Sre.Actors.Sessions;
using Sre.Tools.Model;

namespace Sre.Actors.Hosting;

/// <summary>Wires the actors of a node into Akka.Hosting according to its roles: main nodes get the
/// session shard region, the credential actor, the audit log, the directory and the agent pool
/// routers; runner nodes get the tools their routees use.</summary>
public static class SreActorsHosting
{
    public static AkkaConfigurationBuilder WithSreActors(this AkkaConfigurationBuilder builder, SreNodeSetup setup)
    {
        builder.WithDistributedPubSub(role: null!);
        builder.WithActors((system, _) => AgentRuntime.Install(system, setup.Tools, setup.Redactor));
        if (!setup.IsMain)
        {
            return builder.WithShardRegionProxy<SessionRegion>("session", SreRoles.Main, new SessionMessageExtractor());
        }

        // Filled by the first start-up step, read by the shard region's factory (steps run in order).
        var pools = new Dictionary<string, IActorRef>(StringComparer.OrdinalIgnoreCase);
        builder.WithActors((system, registry) =>
        {
            registry.Register<AuditLogKey>(system.ActorOf(Props.Create(() => new AuditLogActor(Guid.NewGuid().ToString("N"))), "audit-log"));
            var audit = registry.Get<AuditLogKey>();
            // Security events raised anywhere on this node (e.g. by the credential mailbox) reach the audit log.
            system.EventStream.Subscribe(audit, typeof(SecurityEvent));
            registry.Register<CredentialActorKey>(system.ActorOf(
                CredentialActor.Props(setup.SecretProvider, setup.Redactor, audit, setup.Clock), "credentials"));
            foreach (var agent in AgentKind.All)
                pools[agent] = system.ActorOf(AgentWorker.Props().WithRouter(FromConfig.Instance), SreNodeSetup.PoolName(agent));
        });

        builder.WithShardRegion<SessionRegion>("session",
            (system, registry, _) =>
            {
                var services = new SessionServices
                {
                    Policy = setup.Policy,
                    Catalog = setup.Catalog,
                    Planner = setup.Planner,
                    Synthesizer = setup.Synthesizer,
                    Investigator = setup.Investigator,
                    CredentialActor = registry.Get<CredentialActorKey>(),
                    Audit = registry.Get<AuditLogKey>(),
                    AgentPools = pools,
                    Region = () => registry.Get<SessionRegion>(),
                    Mediator = DistributedPubSub.Get(system).Mediator,
                    Redactor = setup.Redactor,
                    Clock = setup.Clock,
                };
                return id => SessionActor.Props(id, services);
            },
            new SessionMessageExtractor(),
            new ShardOptions
            {
                Role = SreRoles.Main,
                StateStoreMode = StateStoreMode.DData,
                RememberEntities = false,
                // Sessions passivate themselves when they end; an idle session waiting for a human must keep its timer.
                ShouldPassivateIdleEntities = false,
            });

        return builder.WithActors((system, registry) =>
        {
            var journal = SreReadJournal.Get(system);
            registry.Register<SessionDirectoryKey>(system.ActorOf(
                SessionDirectoryActor.Props(setup.Directory, journal, () => registry.Get<SessionRegion>()), "session-directory"));
        });
    }
}
