namespace Sre.Tools.Agents;

/// <summary>The tools this process can run, by agent kind.</summary>
public sealed class DiagnosticToolRegistry
{
    private readonly Dictionary<string, IDiagnosticTool> _tools;

    public DiagnosticToolRegistry(IEnumerable<IDiagnosticTool> tools) =>
        _tools = tools.ToDictionary(t => t.Agent, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<IDiagnosticTool> All => _tools.Values;

    public IDiagnosticTool? Find(string agent) => _tools.GetValueOrDefault(agent);

    /// <summary>True when the agent exists and knows every named check.</summary>
    public bool Knows(string agent, string check) =>
        Find(agent)?.Checks.Any(c => string.Equals(c.Name, check, StringComparison.OrdinalIgnoreCase)) ?? false;
}
