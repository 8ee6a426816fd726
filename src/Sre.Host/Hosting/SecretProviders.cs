using Sre.Host.Configuration;
using Sre.Tools.Secrets;

namespace Sre.Host.Hosting;

/// <summary>Builds the configured secret provider (sre.secrets.provider).</summary>
public static class SecretProviders
{
    public static ISecretProvider Create(SreSettings settings)
    {
        var c = settings.Secrets;
        try
        {
            switch (settings.SecretProvider)
            {
                case "file":
                    return new FileSecretProvider(c.GetString("file.path", "secrets.dev.json"));
                case "onepassword-connect":
                {
                    var url = c.GetString("onepassword-connect.url", "http://localhost:8080");
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
                        throw new InvalidConfigurationException($"sre.secrets.onepassword-connect.url must be an absolute http(s) URL, not '{url}'");
                    var options = new OnePasswordConnectOptions(uri, c.GetString("onepassword-connect.token", "") ?? "")
                    {
                        Timeout = c.GetTimeSpan("onepassword-connect.timeout", TimeSpan.FromSeconds(10)),
                        RetryCount = c.GetInt("onepassword-connect.retry-count", 3),
                    };
                    options.Validate();
                    return new OnePasswordConnectProvider(options);
                }
                case "op-cli":
                {
                    var options = new OpCliOptions(c.GetString("op-cli.token", "") ?? "")
                    {
                        OpPath = c.GetString("op-cli.path", "op"),
                        Timeout = c.GetTimeSpan("op-cli.timeout", TimeSpan.FromSeconds(30)),
                    };
                    options.Validate();
                    return new OpCliProvider(options);
                }
                default:
                    throw new InvalidConfigurationException($"Unknown secret provider '{settings.SecretProvider}'.");
            }
        }
        catch (ArgumentException e)
        {
            throw new InvalidConfigurationException(e.Message);
        }
    }
}
