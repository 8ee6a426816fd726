using Akka.Configuration;
using Akka.Configuration.Hocon;
using Sre.Tools.Model;
using Sre.Tools.Secrets;

namespace Sre.Host.Configuration;

/// <summary>Reads <c>sre.environments.&lt;name&gt;.targets</c> into the catalog and refuses, at start,
/// anything a diagnosis would trip over later: unknown kinds, duplicate names, missing keys,
/// malformed credential references (named with file and line).</summary>
public static class CatalogLoader
{
    private static readonly Dictionary<string, string[]> RequiredKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        [TargetKind.Postgres] = ["host"],
        [TargetKind.CloudWatch] = ["region"],
        [TargetKind.Kubernetes] = [],
        [TargetKind.Logs] = [],
    };

    public static EnvironmentCatalog Load(HoconLayers layers)
    {
        var config = layers.Config;
        var errors = new List<string>();
        var environments = new Dictionary<string, DiagnosisEnvironment>(StringComparer.OrdinalIgnoreCase);
        var root = config.GetValue("sre.environments");
        if (root is null || root.IsEmpty || !root.IsObject())
            return EnvironmentCatalog.Empty;

        foreach (var (envName, envValue) in root.GetObject().Items)
        {
            if (!envValue.IsObject())
            {
                errors.Add($"{layers.Locate(envName)}: sre.environments.{envName} must be an object with a 'targets' list");
                continue;
            }
            var targetsValue = envValue.GetObject().Items.GetValueOrDefault("targets");
            if (targetsValue is null || !targetsValue.IsArray())
            {
                errors.Add($"{layers.Locate(envName)}: sre.environments.{envName}.targets must be a list of targets");
                continue;
            }
            var targets = new List<Target>();
            var index = 0;
            foreach (var item in targetsValue.GetArray())
            {
                index++;
                var where = $"sre.environments.{envName}.targets[{index}]";
                if (!item.IsObject())
                {
                    errors.Add($"{where}: a target must be an object such as {{ kind = postgres, name = db, host = … }}");
                    continue;
                }
                var target = ReadTarget(item.GetObject(), where, layers, errors);
                if (target is null) continue;
                if (targets.Any(t => string.Equals(t.Name, target.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    errors.Add($"{layers.Locate(target.Name)}: {where}: target name '{target.Name}' is used twice in environment '{envName}'");
                    continue;
                }
                targets.Add(target);
            }
            environments[envName] = new DiagnosisEnvironment(envName, targets);
        }

        if (errors.Count > 0)
            throw new InvalidConfigurationException("The environment catalog is invalid:\n  - " + string.Join("\n  - ", errors));
        return new EnvironmentCatalog(environments);
    }

    private static Target? ReadTarget(HoconObject obj, string where, HoconLayers layers, List<string> errors)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var lists = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in obj.Items)
        {
            if (value.IsArray()) lists[key] = value.GetArray().Select(v => v.GetString()).ToList();
            else if (value.IsString()) settings[key] = value.GetString();
            else errors.Add($"{where}.{key}: nested objects are not supported in a target");
        }

        var kind = settings.GetValueOrDefault("kind");
        var name = settings.GetValueOrDefault("name");
        if (string.IsNullOrWhiteSpace(kind) || !RequiredKeys.ContainsKey(kind))
        {
            errors.Add($"{(name is null ? "" : layers.Locate(name) + ": ")}{where}: 'kind' must be one of {string.Join(", ", TargetKind.All)} (got '{kind}')");
            return null;
        }
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add($"{where}: every target needs a 'name'");
            return null;
        }
        foreach (var required in RequiredKeys[kind])
            if (!settings.ContainsKey(required))
                errors.Add($"{layers.Locate(name)}: {where} ({kind} '{name}') needs '{required}'");

        var credential = settings.GetValueOrDefault("credential");
        if (credential is not null && !SecretReference.TryParse(credential, out _, out var problem))
        {
            errors.Add($"{layers.Locate(credential)}: {where} ({kind} '{name}'): invalid credential reference '{credential}': {problem}");
            return null;
        }
        settings.Remove("kind");
        settings.Remove("name");
        settings.Remove("credential");
        return new Target { Name = name, Kind = kind.ToLowerInvariant(), Credential = credential, Settings = settings, Lists = lists };
    }
}
