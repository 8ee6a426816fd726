using System.Text;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Sre.Actors.Hosting;

namespace Sre.Host.Configuration;

/// <summary>Builds the effective configuration: akka.conf ← sre.conf ← single-node.conf or
/// cluster.conf ← the --config file ← SRE__… environment variables (highest). Remembers the text
/// of each layer so errors can name the file and line a value came from.
/// Akka's HOCON parser does not read environment variables and mishandles optional substitutions
/// (<c>${?X}</c> stops later layers from merging), so <c>${VAR}</c>/<c>${?VAR}</c> with an upper-case
/// name are replaced by the variable's value (or null) before parsing, and the layers are parsed
/// as one document, where later definitions override earlier ones.</summary>
public sealed partial class HoconLayers
{
    private readonly List<(string Source, string Text)> _layers = [];
    private readonly IDictionary<string, string?> _environment;

    private HoconLayers(IDictionary<string, string?> environment) => _environment = environment;

    public Config Config { get; private set; } = Config.Empty;

    public IReadOnlyList<string> Sources => _layers.Select(l => l.Source).ToList();

    public static HoconLayers Load(string? userFile, bool cluster, IDictionary<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
        var layers = new HoconLayers(environment);
        layers.Add("hocon/akka.conf (embedded)", SreHocon.Text(SreHocon.AkkaBase));
        layers.Add("hocon/sre.conf (embedded)", SreHocon.Text(SreHocon.Defaults));
        layers.Add(cluster ? "hocon/cluster.conf (embedded)" : "hocon/single-node.conf (embedded)",
            SreHocon.Text(cluster ? SreHocon.Cluster : SreHocon.SingleNode));
        string? userText = null;
        if (userFile is not null)
        {
            if (!File.Exists(userFile))
                throw new InvalidConfigurationException($"Configuration file '{userFile}' does not exist.");
            userText = File.ReadAllText(userFile);
        }
        // The example catalog applies only while the user has not written their own.
        if (userText is null || !layers.Defines(userText, "sre.environments"))
            layers.Add("hocon/environments.conf (embedded)", SreHocon.Text(SreHocon.ExampleEnvironments));
        if (userText is not null) layers.Add(Path.GetFullPath(userFile!), userText);
        var env = EnvironmentOverrides(environment);
        if (env.Length > 0) layers.Add("environment (SRE__…)", env);
        return layers;
    }

    private void Add(string source, string text)
    {
        if (HoconSyntax.FindProblem(text) is { } problem)
            throw new InvalidConfigurationException($"{source}: not valid HOCON: {problem}");
        var resolved = Resolve(text);
        try
        {
            // Each layer must parse on its own, so an error names the right file.
            ConfigurationFactory.ParseString(resolved);
            _layers.Add((source, text));
            Config = ConfigurationFactory.ParseString(string.Join("\n", _layers.Select(l => Resolve(l.Text))));
        }
        catch (Exception e) when (e is not InvalidConfigurationException)
        {
            throw new InvalidConfigurationException($"{source}: not valid HOCON: {e.Message}");
        }
    }

    private bool Defines(string text, string path)
    {
        try
        {
            return ConfigurationFactory.ParseString(Resolve(text)).HasPath(path);
        }
        catch (Exception)
        {
            return false; // Add() reports the syntax error with the file name.
        }
    }

    private string Resolve(string text) => EnvironmentReference().Replace(text, m =>
        _environment.TryGetValue(m.Groups["name"].Value, out var v) && v is not null ? SreHocon.Quote(v) : "null");

    /// <summary>Values that came from the environment (tokens, keys): the redactor must know them.</summary>
    public IEnumerable<string> EnvironmentValuesUsed() =>
        _layers.SelectMany(l => EnvironmentReference().Matches(l.Text))
            .Select(m => _environment.TryGetValue(m.Groups["name"].Value, out var v) ? v : null)
            .OfType<string>()
            .Distinct();

    [GeneratedRegex(@"\$\{\??(?<name>[A-Z][A-Z0-9_]*)\}")]
    private static partial Regex EnvironmentReference();

    /// <summary>SRE__SESSIONS__APPROVAL_TIMEOUT=5m → sre.sessions.approval-timeout = "5m".</summary>
    public static string EnvironmentOverrides(IDictionary<string, string?> environment)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in environment.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!key.StartsWith("SRE__", StringComparison.Ordinal) || value is null) continue;
            var path = "sre." + string.Join('.', key["SRE__".Length..].Split("__").Select(p => p.ToLowerInvariant().Replace('_', '-')));
            text.AppendLine($"{path} = {SreHocon.Quote(value)}");
        }
        return text.ToString();
    }

    /// <summary>"file:line" of the last layer whose text contains the value, for error messages.</summary>
    public string Locate(string value)
    {
        for (var i = _layers.Count - 1; i >= 0; i--)
        {
            var (source, text) = _layers[i];
            var index = text.IndexOf(value, StringComparison.Ordinal);
            if (index < 0) continue;
            var line = 1 + text.AsSpan(0, index).Count('\n');
            return $"{source}:{line}";
        }
        return "configuration";
    }
}
