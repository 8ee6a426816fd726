namespace Sre.Tools.Secrets;

/// <summary>The fields of one fetched secret, held as char arrays so they can be zeroed when the
/// lease ends. Only the credential actor keeps bundles; tools see one for the length of a call.</summary>
public sealed class SecretBundle : IDisposable
{
    private readonly Dictionary<string, char[]> _fields;
    private bool _disposed;

    public SecretReference Reference { get; }

    public SecretBundle(SecretReference reference, IEnumerable<KeyValuePair<string, string>> fields)
    {
        Reference = reference;
        _fields = new Dictionary<string, char[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (label, value) in fields)
            _fields[label] = value.ToCharArray();
    }

    /// <summary>Field labels present (safe to show: labels, not values).</summary>
    public IReadOnlyCollection<string> Labels => _fields.Keys;

    /// <summary>The value of a field by label, or null when the item has no such field.</summary>
    public string? Field(string label)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _fields.TryGetValue(label, out var v) ? new string(v) : null;
    }

    /// <summary>The value of a field, or an error naming the reference and the missing label.</summary>
    public string RequireField(string label) => Field(label)
        ?? throw new SecretFetchException(Reference,
            $"the item has no field labelled '{label}' (it has: {string.Join(", ", _fields.Keys)})");

    /// <summary>For a field-level reference: the one value it names.</summary>
    public string Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_fields.Count == 1) return new string(_fields.Values.First());
            var label = Reference.Field ?? "value";
            return RequireField(label);
        }
    }

    /// <summary>Labels whose values identify rather than authenticate (a user name, a host, a
    /// database). Masking them would make findings unreadable ("connected to [REDACTED] as
    /// [REDACTED]") without protecting anything; every other field is treated as secret.</summary>
    public static readonly IReadOnlySet<string> IdentityLabels = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "username", "user", "login", "email", "host", "hostname", "server", "port", "database", "dbname",
        "url", "website", "region", "namespace", "context", "cluster", "account", "sslmode", "type",
    };

    /// <summary>The values the redactor must learn: every field except identity fields; never log the result.</summary>
    public IEnumerable<string> SecretValues()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // A field-level reference names exactly the value wanted: always secret, whatever its label.
        return _fields.Where(kv => _fields.Count == 1 || !IdentityLabels.Contains(kv.Key)).Select(kv => new string(kv.Value)).ToList();
    }

    /// <summary>A copy the caller owns (and must dispose), so a tool call can outlive a revoke safely.</summary>
    public SecretBundle Copy()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new SecretBundle(Reference, _fields.Select(kv => KeyValuePair.Create(kv.Key, new string(kv.Value))));
    }

    public void Dispose()
    {
        if (_disposed) return;
        foreach (var v in _fields.Values) Array.Clear(v);
        _fields.Clear();
        _disposed = true;
    }
}
