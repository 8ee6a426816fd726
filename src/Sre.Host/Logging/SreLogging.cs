using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Sre.Tools.Secrets;

namespace Sre.Host.Logging;

/// <summary>Structured logs: human lines on a terminal, compact JSON otherwise (containers, files,
/// pipes). Every line passes the redactor. Logs go to stderr so stdout stays for program output.</summary>
public static class SreLogging
{
    public static LoggerConfiguration Configure(LoggerConfiguration logger, SecretRedactor redactor, bool? json = null, string? file = null)
    {
        var useJson = json ?? Console.IsErrorRedirected;
        ITextFormatter formatter = useJson
            ? new RenderedCompactJsonFormatter()
            : new MessageTemplateTextFormatter("[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
        if (file is not null)
            // A file is for machines: always compact JSON, redacted like the console.
            logger = logger.WriteTo.File(new RedactingFormatter(new RenderedCompactJsonFormatter(), redactor), file, shared: true, flushToDiskInterval: TimeSpan.FromSeconds(1));
        return logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting", LogEventLevel.Information)
            .MinimumLevel.Override("LinqToDB", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(new RedactingFormatter(formatter, redactor), standardErrorFromLevel: LogEventLevel.Verbose);
    }
}
