using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Sre.Tools.Secrets;

/// <summary>Scrubs every text that leaves the process: values of live leases (registered while the
/// lease lives) and well-known secret shapes even when nobody leased them. One instance per process.</summary>
public sealed partial class SecretRedactor
{
    public const string Mask = "[REDACTED]";

    /// <summary>Values shorter than this are not registered: masking "1" or "ab" everywhere would
    /// destroy text without protecting anything worth protecting.</summary>
    public const int MinimumSecretLength = 4;

    private readonly ConcurrentDictionary<string, int> _live = new(StringComparer.Ordinal);
    private volatile string[] _ordered = [];

    /// <summary>The shared instance used by log sinks, the HTTP edge and the actors of this process.</summary>
    public static SecretRedactor Shared { get; } = new();

    /// <summary>Learns secret values until the returned handle is disposed.</summary>
    public IDisposable Register(IEnumerable<string> values)
    {
        var registered = values.Where(v => v.Length >= MinimumSecretLength).Distinct().ToList();
        foreach (var v in registered) _live.AddOrUpdate(v, 1, (_, n) => n + 1);
        Rebuild();
        return new Registration(this, registered);
    }

    public int LiveCount => _live.Count;

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var result = text;
        foreach (var secret in _ordered)
        {
            if (result.Contains(secret, StringComparison.Ordinal))
                result = result.Replace(secret, Mask, StringComparison.Ordinal);
        }
        result = AwsAccessKey().Replace(result, Mask);
        result = AwsSecretKeyAssignment().Replace(result, m => m.Groups["prefix"].Value + Mask);
        result = BearerToken().Replace(result, m => m.Groups["prefix"].Value + Mask);
        result = ConnectionStringPassword().Replace(result, m => m.Groups["prefix"].Value + Mask);
        result = UrlPassword().Replace(result, m => m.Groups["prefix"].Value + Mask + "@");
        result = KnownTokenShapes().Replace(result, Mask);
        return result;
    }

    private void Rebuild() =>
        // Longest first, so a secret that contains another is masked whole.
        _ordered = _live.Keys.OrderByDescending(k => k.Length).ToArray();

    private void Unregister(IEnumerable<string> values)
    {
        foreach (var v in values)
        {
            while (_live.TryGetValue(v, out var n))
            {
                if (n <= 1 ? _live.TryRemove(KeyValuePair.Create(v, n)) : _live.TryUpdate(v, n - 1, n)) break;
            }
        }
        Rebuild();
    }

    private sealed class Registration(SecretRedactor owner, List<string> values) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Unregister(values);
        }
    }

    [GeneratedRegex(@"\b(?:AKIA|ASIA|AIDA|AROA)[0-9A-Z]{16}\b")]
    private static partial Regex AwsAccessKey();

    [GeneratedRegex(@"(?<prefix>(?i:aws_?secret_?access_?key|secret[-_ ]?access[-_ ]?key)[""']?\s*[:=]\s*[""']?)[A-Za-z0-9/+=]{40}")]
    private static partial Regex AwsSecretKeyAssignment();

    [GeneratedRegex(@"(?<prefix>(?i:bearer)\s+)[A-Za-z0-9\-._~+/]{8,}=*")]
    private static partial Regex BearerToken();

    [GeneratedRegex(@"(?<prefix>(?i:password|pwd|passwd)\s*=\s*)(?:""[^""]*""|'[^']*'|[^;\s""']+)")]
    private static partial Regex ConnectionStringPassword();

    [GeneratedRegex(@"(?<prefix>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+:)[^@/\s]+@")]
    private static partial Regex UrlPassword();

    // OpenAI keys, 1Password service-account tokens, GitHub tokens, Slack tokens, JWTs.
    [GeneratedRegex(@"\b(?:sk-[A-Za-z0-9_\-]{20,}|ops_[A-Za-z0-9_\-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abprs]-[A-Za-z0-9\-]{10,}|eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,})")]
    private static partial Regex KnownTokenShapes();
}
