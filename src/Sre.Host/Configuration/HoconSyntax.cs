namespace Sre.Host.Configuration;

/// <summary>A structural check run before Akka's HOCON parser, which silently accepts unbalanced
/// braces and brackets (a missing '}' would quietly drop the rest of a file). Strings, triple-quoted
/// strings and comments are skipped; the first problem is reported with its line.</summary>
public static class HoconSyntax
{
    public static string? FindProblem(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n') { line++; continue; }
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                continue;
            }
            if (c == '"')
            {
                if (i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"')
                {
                    var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (end < 0) return $"line {line}: a \"\"\" string is never closed";
                    line += text.AsSpan(i, end - i).Count('\n');
                    i = end + 2;
                    continue;
                }
                var j = i + 1;
                while (j < text.Length && text[j] != '"' && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
                if (j >= text.Length || text[j] == '\n') return $"line {line}: a quoted string is not closed on its line";
                i = j;
                continue;
            }
            switch (c)
            {
                case '{' or '[':
                    open.Push((c, line));
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0) return $"line {line}: '{c}' closes nothing";
                    var (bracket, at) = open.Pop();
                    if (bracket != expected) return $"line {line}: '{c}' closes the '{bracket}' opened at line {at}";
                    break;
            }
        }
        return open.Count > 0 ? $"line {open.Peek().Line}: '{open.Peek().Bracket}' is never closed" : null;
    }
}
