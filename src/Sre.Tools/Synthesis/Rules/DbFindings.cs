using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Synthesis.Rules;

/// <summary>How the database rules read the PostgreSQL agent's findings.</summary>
internal static class DbFindings
{
    public static IEnumerable<Finding> Of(SynthesisInput input, string check, string kind) =>
        input.Findings.Where(f => f.Agent == AgentKind.Database && f.Check == check && f.Text("kind") == kind);

    /// <summary>A session as a person names it: its application, else its pid.</summary>
    public static string Who(this Finding f) =>
        f.Text("application") is { Length: > 0 } app ? app : $"pid {f.Number("pid")}";

    /// <summary>The pid of the session whose open transaction keeps vacuum from cleaning the table of a
    /// table_bloat finding, when the check judged it a reason (not when nothing vacuums the table anyway).</summary>
    public static long? VacuumHeldBackBy(this Finding bloat) =>
        bloat.Flag("oldestSnapshotHoldsBackVacuum") && bloat.Number("oldestSnapshotPid") is { } pid ? (long)pid : null;

    /// <summary>Confidence between <paramref name="low"/> and <paramref name="high"/>, growing with
    /// how far <paramref name="value"/> is past <paramref name="threshold"/> on a log scale (10× → high).</summary>
    public static double Scale(double value, double threshold, double low, double high)
    {
        if (threshold <= 0 || value <= threshold) return low;
        return Math.Min(high, low + (high - low) * Math.Log10(value / threshold));
    }
}
