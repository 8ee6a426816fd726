using System.Diagnostics.CodeAnalysis;

namespace Sre.Tools.Secrets;

/// <summary>A 1Password secret reference, <c>op://vault/item[/section]/field</c> or the item-level
/// <c>op://vault/item</c>. Names compare case-insensitively, as 1Password resolves them.
/// It is a pointer to a secret and is safe to show, log, persist and send to the LLM.</summary>
public sealed record SecretReference
{
    public const string Scheme = "op://";

    public string Vault { get; }
    public string Item { get; }
    public string? Section { get; }
    public string? Field { get; }
    public string? Attribute { get; }

    private SecretReference(string vault, string item, string? section, string? field, string? attribute)
    {
        Vault = vault;
        Item = item;
        Section = section;
        Field = field;
        Attribute = attribute;
    }

    /// <summary>True when the reference names a whole item (its fields are all available).</summary>
    public bool IsItemLevel => Field is null;

    public static SecretReference Parse(string text) =>
        TryParse(text, out var reference, out var error) ? reference : throw new SecretReferenceFormatException(text, error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out SecretReference? reference, [NotNullWhen(false)] out string? error) =>
        SecretReferenceParser.TryParse(text, out reference, out error);

    internal static SecretReference Create(string vault, string item, string? section, string? field, string? attribute) =>
        new(vault, item, section, field, attribute);

    public override string ToString()
    {
        var path = Field is null ? $"{Vault}/{Item}"
            : Section is null ? $"{Vault}/{Item}/{Field}"
            : $"{Vault}/{Item}/{Section}/{Field}";
        return Attribute is null ? Scheme + path : $"{Scheme}{path}?attribute={Attribute}";
    }

    public bool Equals(SecretReference? other) =>
        other is not null && string.Equals(ToString(), other.ToString(), StringComparison.OrdinalIgnoreCase);

    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(ToString());

    /// <summary>The item-level reference this one lives in (op://vault/item).</summary>
    public SecretReference ItemReference => new(Vault, Item, null, null, null);
}

/// <summary>A reference that is not of the op:// form; the message says what is wrong.</summary>
public sealed class SecretReferenceFormatException(string text, string problem)
    : FormatException($"Invalid secret reference '{text}': {problem}")
{
    public string Problem { get; } = problem;
}
