namespace Sre.Host.Client;

/// <summary>What went wrong talking to the server, in words a person can act on.</summary>
public enum SreErrorKind
{
    /// <summary>The client was called wrongly (a malformed --server URL).</summary>
    Usage,
    /// <summary>Nothing answers at the address (refused, DNS, TLS).</summary>
    Unreachable,
    /// <summary>The server did not answer in time.</summary>
    Timeout,
    /// <summary>401: no token or an unknown token.</summary>
    Unauthorized,
    /// <summary>403: the token's principal lacks the role.</summary>
    Forbidden,
    /// <summary>404: unknown session.</summary>
    NotFound,
    /// <summary>409: the session is not in a state that allows this (e.g. not waiting for approval).</summary>
    Conflict,
    /// <summary>Other 4xx: bad input (unknown environment, empty problem …).</summary>
    Rejected,
    /// <summary>5xx, or an answer that is not what the contract says.</summary>
    Server,
}

public sealed class SreClientException(SreErrorKind kind, string title, string? detail = null, int? status = null, Exception? inner = null)
    : Exception(Compose(title, detail), inner)
{
    public SreErrorKind Kind { get; } = kind;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public int? Status { get; } = status;

    private static string Compose(string title, string? detail) =>
        string.IsNullOrWhiteSpace(detail) ? title : title.TrimEnd().EndsWith('.') || title.TrimEnd().EndsWith(':') ? $"{title} {detail}" : $"{title}: {detail}";
}
