using System.Text.RegularExpressions;

namespace Sre.Tools.Postgres.Checks;

/// <summary>Reads which columns a statement filters on from the text of its WHERE clauses. A
/// heuristic over normalised statements (<c>WHERE customer_email = $1</c>): callers check the
/// names against the table's real columns before suggesting anything.</summary>
public static partial class WhereColumns
{
    /// <summary>Column names compared in WHERE clauses, in order of appearance, lower-cased unless quoted.</summary>
    public static IReadOnlyList<string> Extract(string sql)
    {
        var result = new List<string>();
        foreach (Match where in WhereClause().Matches(sql))
            foreach (Match m in Comparison().Matches(where.Groups["body"].Value))
            {
                var quoted = m.Groups["quoted"];
                var name = quoted.Success ? quoted.Value : m.Groups["bare"].Value.ToLowerInvariant();
                if (!quoted.Success && Keywords.Contains(name)) continue;
                if (!result.Contains(name)) result.Add(name);
            }
        return result;
    }

    /// <summary>True when the statement scans the table: it reads it (FROM, JOIN) or updates or
    /// deletes from it. INSERT INTO alone does not scan the target.</summary>
    public static bool Mentions(string sql, string schema, string table)
    {
        var pattern = $@"\b(from|join|update)\s+(only\s+)?((""?{Regex.Escape(schema)}""?)\.)?""?{Regex.Escape(table)}""?(\s|$|,|\)|;)";
        return Regex.IsMatch(sql, pattern, RegexOptions.IgnoreCase);
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "and", "or", "not", "where", "select", "exists", "any", "all", "some", "case", "when", "then", "else", "end", "null", "true", "false",
    };

    [GeneratedRegex(@"\bwhere\b(?<body>.*?)(?=\bgroup\s+by\b|\border\s+by\b|\blimit\b|\boffset\b|\bhaving\b|\breturning\b|\bfor\s+(update|share|no\s+key|key)\b|\bunion\b|\bwindow\b|;|$)",
        RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex WhereClause();

    // column (optionally table-qualified, optionally quoted) followed by a comparison; a function
    // call such as lower(col) = $1 does not match, because an expression index would be needed.
    [GeneratedRegex(@"(?<![\w$.""])(?:(?:""[^""]+""|[A-Za-z_]\w*)\.)?(?:""(?<quoted>[^""]+)""|(?<bare>[A-Za-z_]\w*))\s*(?:=|<>|!=|<=|>=|<|>|\s(?:not\s+)?(?:in|like|ilike|between)\b|\sis\b|\s*=\s*any\b)",
        RegexOptions.IgnoreCase)]
    private static partial Regex Comparison();
}
