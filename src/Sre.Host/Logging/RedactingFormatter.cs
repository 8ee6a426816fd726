using Serilog.Events;
using Serilog.Formatting;
using Sre.Tools.Secrets;

namespace Sre.Host.Logging;

/// <summary>Formats a log event with the inner formatter, then scrubs the whole text: whatever a
/// message template, property or exception carried, no live secret leaves through the logs.</summary>
public sealed class RedactingFormatter(ITextFormatter inner, SecretRedactor redactor) : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        using var buffer = new StringWriter();
        inner.Format(logEvent, buffer);
        output.Write(redactor.Redact(buffer.ToString()));
    }
}
