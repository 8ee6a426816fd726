using System.Diagnostics.CodeAnalysis;

namespace Sre.Tools.Secrets;

/// <summary>Parses op:// references with 1Password's naming rules: names may hold letters, digits,
/// '-', '_', '.' and spaces; anything else must be addressed by the object's id.</summary>
internal static class SecretReferenceParser
{
    private static readonly string[] KnownAttributes = ["value", "type", "title", "id", "purpose", "otp", "totp"];

    public static bool TryParse(string? text, [NotNullWhen(true)] out SecretReference? reference, [NotNullWhen(false)] out string? error)
    {
        reference = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "it is empty; expected op://vault/item[/section]/field";
            return false;
        }
        if (!text.StartsWith(SecretReference.Scheme, StringComparison.Ordinal))
        {
            error = "it must start with 'op://'";
            return false;
        }

        var rest = text[SecretReference.Scheme.Length..];
        string? attribute = null;
        var query = rest.IndexOf('?');
        if (query >= 0)
        {
            var q = rest[(query + 1)..];
            rest = rest[..query];
            if (!q.StartsWith("attribute=", StringComparison.OrdinalIgnoreCase) || q.Contains('&'))
            {
                error = $"the query '?{q}' is not supported; only '?attribute=<{string.Join("|", KnownAttributes)}>' is";
                return false;
            }
            attribute = q["attribute=".Length..].ToLowerInvariant();
            if (!KnownAttributes.Contains(attribute))
            {
                error = $"unknown attribute '{attribute}'; use one of {string.Join(", ", KnownAttributes)}";
                return false;
            }
        }

        var parts = rest.Split('/');
        if (parts.Length is < 2 or > 4)
        {
            error = "expected op://vault/item, op://vault/item/field or op://vault/item/section/field";
            return false;
        }
        string[] roles = parts.Length switch
        {
            2 => ["vault", "item"],
            3 => ["vault", "item", "field"],
            _ => ["vault", "item", "section", "field"],
        };
        for (var i = 0; i < parts.Length; i++)
        {
            if (!IsValidName(parts[i], out var why))
            {
                error = $"the {roles[i]} '{parts[i]}' {why}";
                return false;
            }
        }
        if (attribute is not null && parts.Length == 2)
        {
            error = "'?attribute=' needs a field (op://vault/item/field?attribute=…)";
            return false;
        }

        reference = parts.Length switch
        {
            2 => SecretReference.Create(parts[0], parts[1], null, null, null),
            3 => SecretReference.Create(parts[0], parts[1], null, parts[2], attribute),
            _ => SecretReference.Create(parts[0], parts[1], parts[2], parts[3], attribute),
        };
        error = null;
        return true;
    }

    private static bool IsValidName(string name, [NotNullWhen(false)] out string? why)
    {
        if (name.Length == 0)
        {
            why = "is empty";
            return false;
        }
        if (name.Trim().Length != name.Length)
        {
            why = "has leading or trailing spaces";
            return false;
        }
        foreach (var c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ' '))
            {
                why = $"contains '{c}'; names may hold letters, digits, '-', '_', '.' and spaces — use the object's id instead";
                return false;
            }
        }
        why = null;
        return true;
    }
}
