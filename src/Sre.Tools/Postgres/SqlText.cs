using System.Text.RegularExpressions;

namespace Sre.Tools.Postgres;

/// <summary>Statement text as the agent shows it: on one line, trimmed, with string literals from
/// pg_stat_activity masked (they can hold personal data or even a password in ALTER ROLE).</summary>
public static partial class SqlText
{
    public const int DefaultLength = 300;

    public static string Show(string? sql, int maxLength = DefaultLength)
    {
        if (string.IsNullOrWhiteSpace(sql)) return "";
        var text = Whitespace().Replace(StringLiteral().Replace(sql, "'…'"), " ").Trim();
        return text.Length <= maxLength ? text : text[..(maxLength - 1)] + "…";
    }

    /// <summary>An identifier as PostgreSQL would need it written: bare when lower-case and simple, else double-quoted.</summary>
    public static string Ident(string name) =>
        SimpleIdentifier().IsMatch(name) && !ReservedWords.Contains(name) ? name : "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>schema.table, each part quoted as needed.</summary>
    public static string Qualified(string schema, string name) => $"{Ident(schema)}.{Ident(name)}";

    private static readonly HashSet<string> ReservedWords = new(StringComparer.Ordinal)
    {
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "both", "case", "cast", "check", "collate", "column",
        "constraint", "create", "default", "desc", "distinct", "do", "else", "end", "except", "false", "for", "foreign", "from",
        "grant", "group", "having", "in", "into", "leading", "limit", "not", "null", "offset", "on", "only", "or", "order",
        "primary", "references", "select", "table", "then", "to", "true", "union", "unique", "user", "using", "when", "where", "with",
    };

    [GeneratedRegex(@"'(?:[^']|'')*'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^[a-z_][a-z0-9_$]*$")]
    private static partial Regex SimpleIdentifier();
}
