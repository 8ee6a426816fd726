using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Sre.Host.Client;
using Sre.Tools.Json;

namespace Sre.Host.Cli;

/// <summary>`sre approve|deny|status|report|cancel ID` and `sre sessions`: one call each on an
/// existing session, for a second terminal, a script or a runbook.</summary>
public static class SessionCommands
{
    public static IEnumerable<Command> Create() => [Approve(), Deny(), Status(), Report(), Cancel(), Sessions()];

    private static Argument<string> SessionId() => new("id") { Description = "The session id, e.g. s-3f2a9c01d4e7" };

    private static Command Approve()
    {
        var id = SessionId();
        var references = new Option<string[]>("--reference") { Description = "Approve only this credential reference (repeatable); default: all requested" };
        var command = new Command("approve", "Approve the access a session asks for") { id, references };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, ct) => Run(async terminal =>
        {
            using var client = new SreClient(connection.Resolve(parse));
            var status = await client.ApproveAsync(parse.GetValue(id)!, parse.GetValue(references) is { Length: > 0 } r ? r : null, ct);
            var approved = status.Approvals.LastOrDefault();
            terminal.Out.WriteLine($"Approved {status.SessionId}{(approved?.References is { Count: > 0 } refs ? $": {string.Join(", ", refs)}" : "")}; now {status.Phase}.");
            terminal.Out.WriteLine($"Follow it with `sre status {status.SessionId}` or read the report with `sre report {status.SessionId} --wait`.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Deny()
    {
        var id = SessionId();
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the audit trail)" };
        var command = new Command("deny", "Deny the access a session asks for; the session ends denied") { id, reason };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, ct) => Run(async terminal =>
        {
            using var client = new SreClient(connection.Resolve(parse));
            var status = await client.DenyAsync(parse.GetValue(id)!, parse.GetValue(reason), ct);
            terminal.Out.WriteLine($"Denied {status.SessionId}; now {status.Phase}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Cancel()
    {
        var id = SessionId();
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the audit trail)" };
        var command = new Command("cancel", "Cancel a session (pending approval or running agents)") { id, reason };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, ct) => Run(async terminal =>
        {
            using var client = new SreClient(connection.Resolve(parse));
            var status = await client.CancelAsync(parse.GetValue(id)!, parse.GetValue(reason), ct);
            terminal.Out.WriteLine($"Session {status.SessionId} is {status.Phase}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Status()
    {
        var id = SessionId();
        var json = new Option<bool>("--json") { Description = "Print the status JSON as the server sent it" };
        var command = new Command("status", "Show where a session stands") { id, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, ct) => Run(async terminal =>
        {
            using var client = new SreClient(connection.Resolve(parse));
            if (parse.GetValue(json))
            {
                terminal.Out.WriteLine(JsonSerializer.Serialize(await client.StatusJsonAsync(parse.GetValue(id)!, ct), SreJson.Indented));
                return ExitCodes.Ok;
            }
            Print(terminal, await client.StatusAsync(parse.GetValue(id)!, ct));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Report()
    {
        var id = SessionId();
        var json = new Option<bool>("--json") { Description = "Print the report JSON instead of Markdown" };
        var wait = new Option<bool>("--wait") { Description = "Wait for the session to finish first" };
        var command = new Command("report", "Print a finished session's report (Markdown)") { id, json, wait };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, ct) => Run(async terminal =>
        {
            using var client = new SreClient(connection.Resolve(parse));
            var sessionId = parse.GetValue(id)!;
            if (parse.GetValue(wait))
            {
                var status = await client.StatusAsync(sessionId, ct);
                if (!status.IsTerminal)
                    await foreach (var e in client.StreamAsync(sessionId, null, ct))
                        if (e.IsFinal) break;
            }
            if (parse.GetValue(json))
                terminal.Out.WriteLine(JsonSerializer.Serialize(await client.ReportJsonAsync(sessionId, ct), SreJson.Indented));
            else
                terminal.Out.Write(await client.ReportMarkdownAsync(sessionId, ct));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Sessions()
    {
        var phase = new Option<string?>("--phase") { Description = "Only sessions in this phase, e.g. waiting_for_input" };
        var limit = new Option<int?>("--limit") { Description = "At most this many (default 50)" };
        var conversation = new Option<string?>("--conversation") { Description = "Only sessions bound to this Cursor conversation" };
        var json = new Option<bool>("--json") { Description = "One JSON object per session" };
        var command = new Command("sessions", "List recent sessions, newest first") { phase, limit, conversation, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, ct) => Run(async terminal =>
        {
            using var client = new SreClient(connection.Resolve(parse));
            var sessions = await client.SessionsAsync(parse.GetValue(phase), parse.GetValue(limit), parse.GetValue(conversation), ct);
            foreach (var s in sessions)
            {
                terminal.Out.WriteLine(parse.GetValue(json)
                    ? JsonSerializer.Serialize(s, SreJson.Options)
                    : $"{s.SessionId}  {s.Phase,-22} {s.Environment,-10} {s.UpdatedAt.ToString("u", CultureInfo.InvariantCulture)}  {s.Problem.ReplaceLineEndings(" ")}");
            }
            if (sessions.Count == 0 && !parse.GetValue(json)) terminal.Error.WriteLine("No sessions.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Task<int> Run(Func<Terminal, Task<int>> body)
    {
        var terminal = Terminal.FromConsole();
        return ClientConnection.RunAsync(terminal, () => body(terminal));
    }

    private static void Print(Terminal t, SessionView s)
    {
        var o = t.Out;
        o.WriteLine($"{t.Paint(s.SessionId, Style.Cyan)}  {t.Paint(s.Phase, Style.Bold)}  {s.Environment}  \"{s.Problem.ReplaceLineEndings(" ")}\"");
        if (!string.IsNullOrEmpty(s.Requester)) o.WriteLine($"requested by {s.Requester}{(s.CreatedAt is { } at ? $" at {at.ToString("u", CultureInfo.InvariantCulture)}" : "")}{(s.ConversationId is null ? "" : $" (conversation {s.ConversationId})")}");
        if (s.Prompt is not null)
        {
            o.WriteLine();
            foreach (var line in s.Prompt.Split('\n')) o.WriteLine($"  {line.TrimEnd('\r')}");
            o.WriteLine();
            o.WriteLine($"Approve with `sre approve {s.SessionId}` or deny with `sre deny {s.SessionId}`.");
        }
        foreach (var a in s.Approvals)
            o.WriteLine($"approved by {a.Principal}: {string.Join(", ", a.References ?? [])}");
        if (s.Agents.Count > 0)
        {
            o.WriteLine("agents:");
            foreach (var a in s.Agents)
                o.WriteLine($"  {a.Kind} on {a.Target}: {a.State}, {a.Findings} finding{(a.Findings == 1 ? "" : "s")}{(a.DurationMs is { } ms ? $", {ms} ms" : "")}{(a.Error is null ? "" : $" ({a.Error})")}");
        }
        o.WriteLine($"findings: {s.FindingCount}");
        if (s.RootCause is { } rc) o.WriteLine($"root cause: {rc.Category} (confidence {rc.Confidence.ToString("0.00", CultureInfo.InvariantCulture)}): {rc.Summary}");
        if (!string.IsNullOrEmpty(s.EndReason)) o.WriteLine($"ended: {s.EndReason}");
        foreach (var e in s.Errors) o.WriteLine($"error: {e}");
    }
}
