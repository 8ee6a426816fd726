using Akka.Actor;
using Sre.Tools.Model;
using Sre.Tools.Planning;
using Sre.Tools.Secrets;
using Sre.Tools.Synthesis;

namespace Sre.Actors.Sessions;

/// <summary>What a session actor works with. Sessions live on main nodes only, so these may be
/// plain objects (they never cross the wire).</summary>
public sealed class SessionServices
{
    public required SessionPolicy Policy { get; init; }
    public required EnvironmentCatalog Catalog { get; init; }
    public required IPlanner Planner { get; init; }
    public required ISynthesizer Synthesizer { get; init; }
    /// <summary>Proposes follow-up rounds after the first findings; null without an LLM.</summary>
    public Sre.Tools.Llm.LlmInvestigator? Investigator { get; init; }
    public required IActorRef CredentialActor { get; init; }
    public required IActorRef Audit { get; init; }
    /// <summary>Agent router pools by agent kind.</summary>
    public required IReadOnlyDictionary<string, IActorRef> AgentPools { get; init; }
    /// <summary>The session shard region (resolved lazily: it exists only once sharding started).
    /// Agents answer through it so a session that moved still hears them.</summary>
    public required Func<IActorRef> Region { get; init; }
    /// <summary>Where events are published (the distributed pub-sub mediator).</summary>
    public required IActorRef Mediator { get; init; }
    public SecretRedactor Redactor { get; init; } = SecretRedactor.Shared;
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
