using System.Globalization;
using System.Text.Json;
using Sre.Host.Client;
using Sre.Tools.Json;

namespace Sre.Host.Cli;

/// <summary>How `sre diagnose` shows a session as it unfolds: lines for people (coloured on a
/// terminal) or one JSON object per event for programs.</summary>
public abstract class DiagnoseView(Terminal terminal)
{
    protected Terminal Terminal { get; } = terminal;

    public static DiagnoseView Create(Terminal terminal, bool json) => json ? new JsonLines(terminal) : new Human(terminal);

    public abstract void Started(DiagnoseAccepted accepted, Uri server, string? environment);
    public abstract void Event(StreamEvent e);
    /// <summary>The y/N question; always where a person sees it, never inside machine output.</summary>
    public abstract void Ask();
    public abstract void Decided(bool approved, string how);
    public abstract void Report(string markdown);
    public abstract void Ended(string phase, string? reason, int exitCode);

    /// <summary>A remark from the CLI itself (not an event of the session).</summary>
    public abstract void Note(string text);

    private sealed class Human(Terminal t) : DiagnoseView(t)
    {
        private readonly Dictionary<string, int> _findings = new();
        private string _sessionId = "";
        private bool _asking;

        public override void Started(DiagnoseAccepted accepted, Uri server, string? environment)
        {
            _sessionId = accepted.SessionId;
            Terminal.Out.WriteLine($"{Terminal.Paint("sre", Style.Bold)} session {Terminal.Paint(accepted.SessionId, Style.Cyan)}" +
                $"{(environment is null ? "" : $" · {environment}")} · {server.ToString().TrimEnd('/')}");
        }

        public override void Event(StreamEvent e)
        {
            EndQuestion();
            var o = Terminal.Out;
            switch (e.Name)
            {
                case "phase":
                    var phase = e.Text("phase") ?? "?";
                    var reason = e.Text("reason");
                    var style = phase switch { Phases.Completed => Style.Green, Phases.Failed or Phases.Denied or Phases.Expired or Phases.Cancelled => Style.Red, _ => Style.Blue };
                    o.WriteLine($"{Terminal.Paint("▸", style)} {Terminal.Paint(phase, style)}{(string.IsNullOrEmpty(reason) ? "" : $": {reason}")}");
                    break;
                case "approval_required":
                    o.WriteLine();
                    o.WriteLine(Terminal.Paint("Approval required", Style.Bold));
                    foreach (var line in (e.Text("prompt") ?? "").Split('\n'))
                        o.WriteLine($"  {line.TrimEnd('\r')}");
                    o.WriteLine();
                    break;
                case "approved":
                    o.WriteLine($"{Terminal.Paint("✓", Style.Green)} approved by {e.Text("principal")}{References(e)}");
                    break;
                case "denied":
                    var why = e.Text("reason");
                    o.WriteLine($"{Terminal.Paint("✗", Style.Red)} denied by {e.Text("principal")}{(string.IsNullOrEmpty(why) ? "" : $": {why}")}");
                    break;
                case "agent_started":
                    var attempt = e.Data.TryGetProperty("attempt", out var a) && a.ValueKind == JsonValueKind.Number && a.GetInt32() > 1 ? $" (attempt {a.GetInt32()})" : "";
                    o.WriteLine($"  {Terminal.Paint("→", Style.Cyan)} {Agent(e)} started{attempt}");
                    break;
                case "finding":
                    var key = $"{e.Text("agent")}/{e.Text("target")}";
                    _findings[key] = _findings.GetValueOrDefault(key) + 1;
                    var severity = e.Text("severity") ?? "info";
                    var sevStyle = severity switch { "critical" => Style.BoldRed, "warning" => Style.Yellow, _ => Style.Dim };
                    o.WriteLine($"    {Terminal.Paint($"[{severity}]", sevStyle)} {e.Text("agent")}/{e.Text("target")} {e.Text("check")}: {OneLine(e.Text("title"))}");
                    break;
                case "agent_completed":
                    var state = e.Text("state") ?? "completed";
                    var ok = state == "completed";
                    var ms = e.Data.TryGetProperty("durationMs", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt64() : (long?)null;
                    var count = _findings.GetValueOrDefault($"{e.Text("agent")}/{e.Text("target")}");
                    var error = e.Text("error");
                    o.WriteLine($"  {Terminal.Paint(ok ? "✓" : "✗", ok ? Style.Green : Style.Red)} {Agent(e)} {state}" +
                        $"{(ms is null ? "" : $" in {Seconds(ms.Value)}")}, {count} finding{(count == 1 ? "" : "s")}{(string.IsNullOrEmpty(error) ? "" : $": {OneLine(error)}")}");
                    break;
                case "error":
                    o.WriteLine($"{Terminal.Paint("!", Style.Red)} {e.Text("title")}{(e.Text("detail") is { Length: > 0 } detail ? $": {detail}" : "")}");
                    break;
            }
            o.Flush();
        }

        public override void Ask()
        {
            Terminal.Out.Write(Terminal.Paint("Approve? [y/N] ", Style.Bold));
            Terminal.Out.Flush();
            _asking = true;
        }

        public override void Decided(bool approved, string how)
        {
            if (how == "stdin" && _asking && Terminal.InputRedirected) Terminal.Out.WriteLine(approved ? "y" : "n");
            _asking = false;
            if (how.StartsWith("--", StringComparison.Ordinal)) Terminal.Out.WriteLine($"{(approved ? "Approving" : "Denying")} ({how}).");
            Terminal.Out.Flush();
        }

        public override void Report(string markdown)
        {
            Terminal.Out.WriteLine();
            Terminal.Out.Write(markdown);
            if (!markdown.EndsWith('\n')) Terminal.Out.WriteLine();
            Terminal.Out.Flush();
        }

        public override void Ended(string phase, string? reason, int exitCode)
        {
            EndQuestion();
            if (phase != Phases.Completed)
                Terminal.Error.WriteLine($"sre: session {_sessionId} ended {phase}{(string.IsNullOrEmpty(reason) ? "" : $" — {reason}")} (exit code {exitCode}).");
        }

        public override void Note(string text)
        {
            EndQuestion();
            Terminal.Out.WriteLine(Terminal.Paint(text, Style.Dim));
            Terminal.Out.Flush();
        }

        /// <summary>A question left open (answered elsewhere, or no input) gets its line ended.</summary>
        private void EndQuestion()
        {
            if (!_asking) return;
            _asking = false;
            Terminal.Out.WriteLine();
        }

        private string Agent(StreamEvent e) => $"{Terminal.Paint(e.Text("agent") ?? "?", Style.Bold)} on {e.Text("target")}";

        private static string References(StreamEvent e) =>
            e.Data.TryGetProperty("references", out var r) && r.ValueKind == JsonValueKind.Array && r.GetArrayLength() > 0
                ? ": " + string.Join(", ", r.EnumerateArray().Select(x => x.GetString()))
                : "";

        private static string Seconds(long ms) => (ms / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) + " s";

        private static string OneLine(string? text) => (text ?? "").ReplaceLineEndings(" ").Trim();
    }

    /// <summary>One JSON object per line: the stream's events as {"id","event","data"} (the
    /// WebSocket shape), plus "session", "decision" and "exit" objects from the CLI itself.</summary>
    private sealed class JsonLines(Terminal t) : DiagnoseView(t)
    {
        public override void Started(DiagnoseAccepted accepted, Uri server, string? environment) =>
            Write(new { @event = "session", data = new { sessionId = accepted.SessionId, phase = accepted.Phase, environment, server = server.ToString().TrimEnd('/') } });

        public override void Event(StreamEvent e) => Write(new { id = e.Id, @event = e.Name, data = e.Data });

        public override void Ask()
        {
            Terminal.Error.Write("Approve? [y/N] ");
            Terminal.Error.Flush();
        }

        public override void Decided(bool approved, string how) => Write(new { @event = "decision", data = new { approved, how } });

        public override void Report(string markdown)
        {
            // The report event of the stream already carries the report as JSON.
        }

        public override void Ended(string phase, string? reason, int exitCode) => Write(new { @event = "exit", data = new { phase, reason, exitCode } });

        public override void Note(string text) => Terminal.Error.WriteLine($"sre: {text}");

        /// <summary>Readable JSON: quotes and '+' are not escaped as \u0022 (still valid JSON).</summary>
        private static readonly JsonSerializerOptions Options = new(SreJson.Options) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        private void Write(object value)
        {
            Terminal.Out.WriteLine(JsonSerializer.Serialize(value, Options));
            Terminal.Out.Flush();
        }
    }
}
