using Sre.Actors.Directory;
using Sre.Actors.Sessions;
using Sre.Tools.Agents;
using Sre.Tools.Model;
using Sre.Tools.Planning;
using Sre.Tools.Secrets;
using Sre.Tools.Synthesis;

namespace Sre.Actors.Hosting;

/// <summary>Everything a node needs to start its actors, already read from configuration.</summary>
public sealed class SreNodeSetup
{
    public required IReadOnlyList<string> Roles { get; init; }
    public required SessionPolicy Policy { get; init; }
    public required EnvironmentCatalog Catalog { get; init; }
    public required IPlanner Planner { get; init; }
    public required ISynthesizer Synthesizer { get; init; }
    public Sre.Tools.Llm.LlmInvestigator? Investigator { get; init; }
    public required ISecretProvider SecretProvider { get; init; }
    public required DiagnosticToolRegistry Tools { get; init; }
    public SecretRedactor Redactor { get; init; } = SecretRedactor.Shared;
    public SessionDirectory Directory { get; init; } = new();
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public bool IsMain => Roles.Contains(SreRoles.Main, StringComparer.OrdinalIgnoreCase);
    public bool IsRunner => Roles.Contains(SreRoles.Runner, StringComparer.OrdinalIgnoreCase);

    /// <summary>Pool actor name for an agent kind; HOCON deployment sections use "/{name}".</summary>
    public static string PoolName(string agent) => agent + "-agents";
}
