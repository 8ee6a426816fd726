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

    // Writers serialise on _gate so the published array always matches the counts; readers take
    // the array without locking.
    private readonly Dictionary<string, int> _live = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private volatile string[] _values = [];

    /// <summary>The shared instance used by log sinks, the HTTP edge and the actors of this process.</summary>
    public static SecretRedactor Shared { get; } = new();

    /// <summary>Learns secret values until the returned handle is disposed. Registering a value twice
    /// needs two disposals before it is forgotten.</summary>
    public IDisposable Register(IEnumerable<string> values)
    {
        var registered = values.Where(v => v is { Length: >= MinimumSecretLength }).Distinct(StringComparer.Ordinal).ToList();
        lock (_gate)
        {
            foreach (var v in registered) _live[v] = _live.GetValueOrDefault(v) + 1;
            _values = [.. _live.Keys];
        }
        return new Registration(this, registered);
    }

    public int LiveCount => _values.Length;

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        return RedactKnownShapes(MaskLiveValues(text, _values));
    }

    /// <summary>Masks only the well-known shapes (keys, tokens, passwords in connection strings and
    /// URLs). For code that has no live values to offer, such as a provider's error messages.</summary>
    public static string RedactKnownShapes(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var result = AwsAccessKey().Replace(text, Mask);
        result = AwsSecretKeyAssignment().Replace(result, m => m.Groups["prefix"].Value + Mask);
        result = BearerToken().Replace(result, m => m.Groups["prefix"].Value + Mask);
        result = ConnectionStringPassword().Replace(result, m => m.Groups["prefix"].Value + Mask);
        result = UrlPassword().Replace(result, m => m.Groups["prefix"].Value + Mask + "@");
        result = KnownTokenShapes().Replace(result, Mask);
        return result;
    }

    /// <summary>Masks every occurrence of every value, merging overlaps first, so a secret that
    /// contains, overlaps or is contained in another never leaves a visible piece behind.</summary>
    private static string MaskLiveValues(string text, string[] values)
    {
        List<(int Start, int End)>? spans = null;
        foreach (var value in values)
        {
            for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
                (spans ??= []).Add((i, i + value.Length));
        }
        if (spans is null) return text;

        spans.Sort();
        var builder = new System.Text.StringBuilder(text.Length);
        var position = 0;
        var k = 0;
        while (k < spans.Count)
        {
            var (start, end) = spans[k++];
            while (k < spans.Count && spans[k].Start <= end) end = Math.Max(end, spans[k++].End);
            builder.Append(text, position, start - position).Append(Mask);
            position = end;
        }
        return builder.Append(text, position, text.Length - position).ToString();
    }

    private void Unregister(IEnumerable<string> values)
    {
        lock (_gate)
        {
            foreach (var v in values)
            {
                if (!_live.TryGetValue(v, out var n)) continue;
                if (n <= 1) _live.Remove(v);
                else _live[v] = n - 1;
            }
            _values = [.. _live.Keys];
        }
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

    // user:password@ inside one URL: neither part may cross quotes, commas or brackets, so the
    // pattern never spans from one URL in a JSON log line to an '@' further on.
    [GeneratedRegex(@"(?<prefix>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s""'<>,{}\[\]]+:)[^@/\s""'<>,{}\[\]]+@")]
    private static partial Regex UrlPassword();

    // OpenAI keys, 1Password service-account tokens, GitHub tokens (classic and fine-grained),
    // Slack tokens, JWTs (1Password Connect tokens are JWTs).
    [GeneratedRegex(@"\b(?:sk-[A-Za-z0-9_\-]{20,}|ops_[A-Za-z0-9_\-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|xox[abprs]-[A-Za-z0-9\-]{10,}|eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,})")]
    private static partial Regex KnownTokenShapes();
}
