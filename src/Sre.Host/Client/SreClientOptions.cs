namespace Sre.Host.Client;

/// <summary>Where the server is and who we are to it. Resolved once per command: flag, then
/// environment, then the loopback default — the token is never given a default that help could print.</summary>
public sealed record SreClientOptions
{
    public const string DefaultServer = "http://127.0.0.1:5080";
    public const string ServerVariable = "SRE_URL";
    public const string TokenVariable = "SRE_TOKEN";

    public required Uri Server { get; init; }
    public string? Token { get; init; }

    /// <summary>Bound on every request/response exchange except the event stream, which is bounded
    /// by its keep-alive instead.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Sent as User-Agent and recorded by the server in the audit trail.</summary>
    public string ClientName { get; init; } = "sre-cli";

    public static SreClientOptions Resolve(string? server, string? token, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var url = FirstNonEmpty(server, environment(ServerVariable)) ?? DefaultServer;
        return new SreClientOptions
        {
            Server = ParseServer(url),
            Token = FirstNonEmpty(token, environment(TokenVariable)),
        };
    }

    /// <summary>Accepts "host:port" and bare hosts too, since that is what people type.</summary>
    public static Uri ParseServer(string url)
    {
        var text = url.Trim();
        if (!text.Contains("://", StringComparison.Ordinal)) text = "http://" + text;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
            throw new SreClientException(SreErrorKind.Usage, $"'{url}' is not a server URL", "Use --server http://HOST:PORT or set SRE_URL.");
        // Keep any path prefix (a reverse proxy may mount the API under /sre/) and make it a directory.
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
}
