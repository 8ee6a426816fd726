using Sre.Tools.Synthesis.Rules;

namespace Sre.Tools.Synthesis;

/// <summary>Every rule the rule-based synthesizer consults.</summary>
public static class RootCauseRules
{
    public static IReadOnlyList<IRootCauseRule> All { get; } =
    [
        new DatabaseReachabilityRule(),
        new ConnectionExhaustionRule(),
        new LockContentionRule(),
        new IdleInTransactionRule(),
        new LongRunningQueryRule(),
        new SlowQueryRule(),
        new MissingIndexRule(),
        new TableBloatRule(),
        new ReplicationLagRule(),
        new DeadlocksRule(),
    ];
}
