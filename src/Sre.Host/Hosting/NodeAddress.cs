using Sre.Host.Configuration;

namespace Sre.Host.Hosting;

/// <summary>HOST:PORT as given to --remoting and --seeds.</summary>
public sealed record NodeAddress(string Host, int Port)
{
    public static NodeAddress Parse(string text, string flag)
    {
        var i = text.LastIndexOf(':');
        if (i <= 0 || !int.TryParse(text[(i + 1)..], out var port) || port is < 0 or > 65535)
            throw new InvalidConfigurationException($"{flag} expects HOST:PORT (got '{text}'), e.g. 10.0.0.5:4053");
        return new NodeAddress(text[..i], port);
    }

    /// <summary>The Akka address of a seed in the "sre" actor system; remoting over TLS has its own
    /// protocol name, and a seed given with the other one is unreachable.</summary>
    public string AkkaAddress(bool tls) => $"{(tls ? "akka.ssl.tcp" : "akka.tcp")}://{ServerHost.ActorSystemName}@{Host}:{Port}";
}
