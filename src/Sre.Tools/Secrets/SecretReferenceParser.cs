using System.Diagnostics.CodeAnalysis;

namespace Sre.Tools.Secrets;

/// <summary>Parses op:// references with 1Password's rules: names hold ASCII letters, digits,
/// '-', '_', '.' and spaces; anything else (including '/') must be addressed by the object's id
/// (26 lower-case letters and digits, which are valid names too). Queries: <c>attribute</c>
/// (alias <c>attr</c>) with a field or file attribute, and <c>ssh-format=openssh</c>.</summary>
internal static class SecretReferenceParser
{
    private const string Expected = "expected op://vault/item, op://vault/item/field or op://vault/item/section/field";

    /// <summary>Field attributes, then file attributes, as 1Password documents them.</summary>
    internal static readonly string[] KnownAttributes = ["value", "type", "id", "purpose", "otp", "content", "size", "name"];

    internal static readonly string[] KnownSshFormats = ["openssh"];

    public static bool TryParse(string? text, [NotNullWhen(true)] out SecretReference? reference, [NotNullWhen(false)] out string? error)
    {
        reference = null;
        error = Check(text, out var parts, out var attribute, out var sshFormat);
        if (error is not null) return false;

        reference = parts.Length switch
        {
            2 => SecretReference.Create(parts[0], parts[1], null, null, null, null),
            3 => SecretReference.Create(parts[0], parts[1], null, parts[2], attribute, sshFormat),
            _ => SecretReference.Create(parts[0], parts[1], parts[2], parts[3], attribute, sshFormat),
        };
        return true;
    }

    private static string? Check(string? text, out string[] parts, out string? attribute, out string? sshFormat)
    {
        parts = [];
        attribute = null;
        sshFormat = null;

        if (string.IsNullOrWhiteSpace(text)) return "it is empty; " + Expected;
        if (text.Trim().Length != text.Length) return "it has leading or trailing whitespace";
        if (!text.StartsWith(SecretReference.Scheme, StringComparison.Ordinal))
        {
            return text.StartsWith(SecretReference.Scheme, StringComparison.OrdinalIgnoreCase)
                ? "the scheme must be written in lower case: 'op://'"
                : "it must start with 'op://'; " + Expected;
        }

        var rest = text[SecretReference.Scheme.Length..];
        var q = rest.IndexOf('?');
        if (q >= 0)
        {
            if (CheckQuery(rest[(q + 1)..], out attribute, out sshFormat) is { } queryError) return queryError;
            rest = rest[..q];
        }

        if (rest.Length == 0) return "it names nothing after 'op://'; " + Expected;
        parts = rest.Split('/');
        if (parts.Length == 1) return $"it names only a vault ('{parts[0]}'); " + Expected;
        if (parts.Length > 4)
            return $"it has {parts.Length} parts separated by '/'; {Expected}. A name that contains '/' must be written as the object's id";

        string[] roles = parts.Length switch
        {
            2 => ["vault", "item"],
            3 => ["vault", "item", "field"],
            _ => ["vault", "item", "section", "field"],
        };
        for (var i = 0; i < parts.Length; i++)
        {
            if (CheckName(roles[i], parts[i], isLast: i == parts.Length - 1) is { } nameError) return nameError;
        }

        if (parts.Length == 2 && (attribute is not null || sshFormat is not null))
            return "a query ('?attribute=' or '?ssh-format=') needs a field: op://vault/item/field?attribute=…";
        return null;
    }

    private static string? CheckQuery(string query, out string? attribute, out string? sshFormat)
    {
        attribute = null;
        sshFormat = null;
        var supported = $"supported: '?attribute=<{string.Join("|", KnownAttributes)}>' (or '?attr=') and '?ssh-format=openssh'";
        if (query.Length == 0) return "it ends with '?' but has no query; " + supported;

        foreach (var parameter in query.Split('&'))
        {
            var eq = parameter.IndexOf('=');
            var key = (eq < 0 ? parameter : parameter[..eq]).ToLowerInvariant();
            var value = eq < 0 ? "" : parameter[(eq + 1)..].ToLowerInvariant();
            switch (key)
            {
                case "attribute" or "attr":
                    if (attribute is not null) return "the query names the attribute twice";
                    if (value.Length == 0) return $"'?{key}=' needs a value; {supported}";
                    if (value == "totp") value = "otp"; // the older spelling of the same attribute
                    if (!KnownAttributes.Contains(value))
                        return $"unknown attribute '{value}'; use one of {string.Join(", ", KnownAttributes)}";
                    attribute = value;
                    break;
                case "ssh-format":
                    if (sshFormat is not null) return "the query names ssh-format twice";
                    if (!KnownSshFormats.Contains(value))
                        return $"unknown ssh-format '{value}'; the only format is 'openssh'";
                    sshFormat = value;
                    break;
                default:
                    return $"the query parameter '{(key.Length == 0 ? parameter : key)}' is not supported; {supported}";
            }
        }
        return null;
    }

    private static string? CheckName(string role, string name, bool isLast)
    {
        if (name.Length == 0)
        {
            return isLast
                ? $"the {role} is empty (the reference ends with '/')"
                : $"the {role} is empty (two '/' in a row)";
        }
        if (name.Trim(' ').Length != name.Length) return $"the {role} '{name}' has leading or trailing spaces";

        foreach (var c in name)
        {
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '_' or '.' or ' ') continue;
            var shown = char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}'";
            var hint = c == '%' ? " (references are not percent-encoded: write a space as a space)" : "";
            var idSource = role == "vault" ? "`op vault list --format json`" : "`op item get <item> --format json`";
            return $"the {role} '{name}' contains {shown}{hint}; 1Password names in references may hold only letters a-z, A-Z, " +
                   $"digits, '-', '_', '.' and spaces. Use the {role}'s id instead ({SecretReference.IdLength} lower-case letters " +
                   $"and digits, shown by {idSource})";
        }
        return null;
    }
}
