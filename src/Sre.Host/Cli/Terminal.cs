namespace Sre.Host.Cli;

/// <summary>Where the CLI writes and whether it may colour: ANSI only when stdout is a terminal,
/// NO_COLOR is unset and TERM is not "dumb" (https://no-color.org).</summary>
public sealed class Terminal(TextWriter output, TextWriter error, bool color, bool inputRedirected = true)
{
    /// <summary>Answers typed on a terminal echo themselves; piped ones do not.</summary>
    public bool InputRedirected { get; } = inputRedirected;

    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;
    public bool Color { get; } = color;

    public static Terminal FromConsole()
    {
        var color = !Console.IsOutputRedirected
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            && Environment.GetEnvironmentVariable("TERM") != "dumb";
        return new Terminal(Console.Out, Console.Error, color, Console.IsInputRedirected);
    }

    public string Paint(string text, Style style) => !Color || style == Style.None ? text : $"\u001b[{Code(style)}m{text}\u001b[0m";

    private static string Code(Style style) => style switch
    {
        Style.Bold => "1",
        Style.Dim => "2",
        Style.Red => "31",
        Style.Green => "32",
        Style.Yellow => "33",
        Style.Blue => "34",
        Style.Magenta => "35",
        Style.Cyan => "36",
        Style.BoldRed => "1;31",
        _ => "0",
    };

    /// <summary>A one-line error for people, never a stack trace.</summary>
    public void Fail(string message) => Error.WriteLine($"{Paint("sre:", Style.BoldRed)} {message}");
}

public enum Style { None, Bold, Dim, Red, Green, Yellow, Blue, Magenta, Cyan, BoldRed }
