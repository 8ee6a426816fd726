using Akka.Actor;
using Sre.Tools.Agents;
using Sre.Tools.Secrets;

namespace Sre.Actors.Agents;

/// <summary>What agent workers need from their node: the tools and the redactor. An actor-system
/// extension rather than constructor arguments, because routees are deployed remotely from plain
/// serializable Props.</summary>
public sealed class AgentRuntime : IExtension
{
    public DiagnosticToolRegistry Tools { get; internal set; } = new([]);
    public SecretRedactor Redactor { get; internal set; } = SecretRedactor.Shared;
    public TimeSpan RedeemTimeout { get; internal set; } = TimeSpan.FromSeconds(10);

    public static AgentRuntime Get(ActorSystem system) => system.WithExtension<AgentRuntime, AgentRuntimeProvider>();

    /// <summary>Installs this node's tools; call before the pools start.</summary>
    public static AgentRuntime Install(ActorSystem system, DiagnosticToolRegistry tools, SecretRedactor redactor)
    {
        var runtime = Get(system);
        runtime.Tools = tools;
        runtime.Redactor = redactor;
        return runtime;
    }
}

public sealed class AgentRuntimeProvider : ExtensionIdProvider<AgentRuntime>
{
    public override AgentRuntime CreateExtension(ExtendedActorSystem system) => new();
}
