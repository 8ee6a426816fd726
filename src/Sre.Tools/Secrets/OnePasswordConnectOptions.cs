namespace Sre.Tools.Secrets;

/// <summary>How to reach a 1Password Connect server (<c>sre.secrets.onepassword-connect</c>).
/// <see cref="Timeout"/> bounds each HTTP request; 5xx answers and connection errors are retried
/// <see cref="RetryCount"/> times with exponential backoff and jitter starting at
/// <see cref="RetryBaseDelay"/>; 4xx answers and timeouts are not retried.</summary>
public sealed record OnePasswordConnectOptions(Uri Url, string Token)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public int RetryCount { get; init; } = 3;
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting (never the token).</summary>
    public void Validate()
    {
        if (!Url.IsAbsoluteUri || (Url.Scheme != Uri.UriSchemeHttp && Url.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"sre.secrets.onepassword-connect.url must be an absolute http(s) URL, not '{Url}'", nameof(Url));
        if (string.IsNullOrWhiteSpace(Token))
            throw new ArgumentException("sre.secrets.onepassword-connect.token is empty; set it (usually from OP_CONNECT_TOKEN)", nameof(Token));
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentException("sre.secrets.onepassword-connect.timeout must be positive", nameof(Timeout));
        if (RetryCount < 0)
            throw new ArgumentException("sre.secrets.onepassword-connect.retry-count must not be negative", nameof(RetryCount));
        if (RetryBaseDelay < TimeSpan.Zero)
            throw new ArgumentException("sre.secrets.onepassword-connect.retry-base-delay must not be negative", nameof(RetryBaseDelay));
    }

    /// <summary>Records print every property; this one must never print the token.</summary>
    public override string ToString() =>
        $"OnePasswordConnectOptions {{ Url = {Url}, Token = (hidden), Timeout = {Timeout}, RetryCount = {RetryCount}, RetryBaseDelay = {RetryBaseDelay} }}";
}
