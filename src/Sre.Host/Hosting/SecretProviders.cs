using Akka.Configuration;
using Sre.Host.Configuration;
using Sre.Tools.Secrets;

namespace Sre.Host.Hosting;

/// <summary>Builds the configured secret provider.</summary>
public static class SecretProviders
{
    public static ISecretProvider Create(SreSettings settings)
    {
        var c = settings.Secrets;
        return settings.SecretProvider switch
        {
            "file" => new FileSecretProvider(c.GetString("file.path", "secrets.dev.json")),
            _ => throw new InvalidConfigurationException($"Secret provider '{settings.SecretProvider}' is not available in this build."),
        };
    }
}
