using System.Diagnostics.CodeAnalysis;

namespace Sre.Tools.Secrets;

/// <summary>A 1Password secret reference, <c>op://vault/item[/section]/field</c> or the item-level
/// <c>op://vault/item</c>, with an optional <c>?attribute=</c> or <c>?ssh-format=</c> query.
/// Names compare case-insensitively, as 1Password resolves them; any part may be the object's id.
/// It is a pointer to a secret and is safe to show, log, persist and send to the LLM.</summary>
public sealed record SecretReference
{
    public const string Scheme = "op://";

    /// <summary>Length of a 1Password object id (vault, item, section or field).</summary>
    public const int IdLength = 26;

    public string Vault { get; }
    public string Item { get; }
    public string? Section { get; }
    public string? Field { get; }

    /// <summary>The <c>?attribute=</c> (or <c>?attr=</c>) asked for, lower case; null means the value.</summary>
    public string? Attribute { get; }

    /// <summary>The <c>?ssh-format=</c> asked for (only <c>openssh</c> exists), or null.</summary>
    public string? SshFormat { get; }

    private SecretReference(string vault, string item, string? section, string? field, string? attribute, string? sshFormat)
    {
        Vault = vault;
        Item = item;
        Section = section;
        Field = field;
        Attribute = attribute;
        SshFormat = sshFormat;
    }

    /// <summary>True when the reference names a whole item (its fields are all available).</summary>
    public bool IsItemLevel => Field is null;

    /// <summary>True when a query asks for something other than the plain value of the field.</summary>
    public bool HasQuery => Attribute is not null || SshFormat is not null;

    public static SecretReference Parse(string text) =>
        TryParse(text, out var reference, out var error) ? reference : throw new SecretReferenceFormatException(text, error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out SecretReference? reference, [NotNullWhen(false)] out string? error) =>
        SecretReferenceParser.TryParse(text, out reference, out error);

    /// <summary>Whether a name has the shape of a 1Password id (26 lower-case letters and digits).
    /// Such a part is looked up as an id first, then as a name.</summary>
    public static bool LooksLikeId(string? name) =>
        name is { Length: IdLength } && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9');

    internal static SecretReference Create(string vault, string item, string? section, string? field, string? attribute, string? sshFormat) =>
        new(vault, item, section, field, attribute, sshFormat);

    /// <summary>The path without the query: <c>op://vault/item[/section][/field]</c>.</summary>
    public string Path => Scheme + (Field is null ? $"{Vault}/{Item}"
        : Section is null ? $"{Vault}/{Item}/{Field}"
        : $"{Vault}/{Item}/{Section}/{Field}");

    public override string ToString()
    {
        var query = new List<string>(2);
        if (Attribute is not null) query.Add("attribute=" + Attribute);
        if (SshFormat is not null) query.Add("ssh-format=" + SshFormat);
        return query.Count == 0 ? Path : Path + "?" + string.Join('&', query);
    }

    public bool Equals(SecretReference? other) =>
        other is not null && string.Equals(ToString(), other.ToString(), StringComparison.OrdinalIgnoreCase);

    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(ToString());

    /// <summary>The item-level reference this one lives in (op://vault/item).</summary>
    public SecretReference ItemReference => new(Vault, Item, null, null, null, null);
}

/// <summary>A reference that is not of the op:// form; the message says what is wrong. Text that
/// does not start with op:// is not echoed: it may be a secret pasted where a reference belongs.</summary>
public sealed class SecretReferenceFormatException(string text, string problem)
    : FormatException($"Invalid secret reference {SecretReferenceFormatException.Quote(text)}: {problem}")
{
    public string Problem { get; } = problem;

    /// <summary>The text quoted for a message, or a placeholder when it may be a secret value.</summary>
    public static string Quote(string? text) =>
        text is not null && text.StartsWith(SecretReference.Scheme, StringComparison.OrdinalIgnoreCase)
            ? $"'{text}'"
            : "(value not shown: it does not start with op:// and may be a secret pasted in by mistake)";
}
