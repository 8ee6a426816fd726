namespace Sre.Tools.Model;

/// <summary>The environments a server knows (prod, staging …) and their targets.</summary>
public sealed record EnvironmentCatalog(IReadOnlyDictionary<string, DiagnosisEnvironment> Environments)
{
    public static EnvironmentCatalog Empty { get; } =
        new(new Dictionary<string, DiagnosisEnvironment>(StringComparer.OrdinalIgnoreCase));

    public IReadOnlyList<string> Names => Environments.Keys.Order(StringComparer.Ordinal).ToList();

    public DiagnosisEnvironment? Find(string name) =>
        Environments.TryGetValue(name, out var env) ? env : null;

    /// <summary>Every credential reference any target names, for validation and start-up checks.</summary>
    public IEnumerable<string> AllReferences() =>
        Environments.Values.SelectMany(e => e.Targets).Select(t => t.Credential).OfType<string>().Distinct();
}

/// <summary>One environment: a name and the targets in it.</summary>
public sealed record DiagnosisEnvironment(string Name, IReadOnlyList<Target> Targets)
{
    public Target? FindTarget(string name) =>
        Targets.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}
