namespace Sre.Tools.Model;

/// <summary>Something in an environment an agent can examine, with the credential reference it
/// needs (a reference, never a value). <see cref="Settings"/> holds the kind-specific keys from
/// the catalog (host, port, database, region, namespace, paths …) as strings or string lists.</summary>
public sealed record Target
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public string? Credential { get; init; }
    public IReadOnlyDictionary<string, string> Settings { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Lists { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);

    public string Agent => AgentKind.ForTargetKind(Kind);

    public string? Setting(string key) => Settings.TryGetValue(key, out var v) ? v : null;

    public string RequireSetting(string key) => Setting(key)
        ?? throw new InvalidOperationException($"Target '{Name}' ({Kind}) has no '{key}' setting in its catalog entry.");

    public int IntSetting(string key, int fallback) =>
        int.TryParse(Setting(key), out var v) ? v : fallback;

    public IReadOnlyList<string> List(string key) =>
        Lists.TryGetValue(key, out var v) ? v : Setting(key) is { } single ? [single] : [];
}
