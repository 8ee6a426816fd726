using System.CommandLine;
using Sre.Host.Client;

namespace Sre.Host.Cli;

/// <summary>`sre diagnose "&lt;problem&gt;"`: start a session, show the plan and the approval prompt,
/// ask y/N (or take --approve/--deny), follow the agents live, print the report, and exit with a
/// code that says how it ended (<see cref="ExitCodes"/>). Ctrl-C cancels the session.</summary>
public static class DiagnoseCommand
{
    public static Command Create()
    {
        var problem = new Argument<string>("problem") { Description = "What is wrong, e.g. \"Diagnose the database connection failures in prod\"" };
        var env = new Option<string?>("--env", "-e") { Description = "Environment to diagnose (optional when the server has only one)" };
        var approve = new Option<bool>("--approve") { Description = "Approve the requested access without asking" };
        var deny = new Option<bool>("--deny") { Description = "Deny the requested access without asking (shows the plan only)" };
        var reason = new Option<string?>("--reason") { Description = "Why, when denying" };
        var references = new Option<string[]>("--reference") { Description = "Approve only this credential reference (repeatable); default: all requested" };
        var context = new Option<string[]>("--context") { Description = "Context for the planner as key=value (repeatable), e.g. --context service=checkout" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per event instead of text" };
        var command = new Command("diagnose", "Start a diagnosis, approve it and follow it to the report") { problem, env, approve, deny, reason, references, context, json };
        var connection = ClientConnection.AddTo(command);

        command.SetAction(async (parse, cancellationToken) =>
        {
            var terminal = Terminal.FromConsole();
            if (parse.GetValue(approve) && parse.GetValue(deny))
            {
                terminal.Fail("--approve and --deny contradict each other; pass one of them, or neither to be asked.");
                return ExitCodes.Usage;
            }
            Dictionary<string, string>? contextValues = null;
            foreach (var pair in parse.GetValue(context) ?? [])
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0)
                {
                    terminal.Fail($"--context '{pair}' is not key=value, e.g. --context service=checkout-svc.");
                    return ExitCodes.Usage;
                }
                (contextValues ??= new(StringComparer.OrdinalIgnoreCase))[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
            }

            return await ClientConnection.RunAsync(terminal, async () =>
            {
                using var client = new SreClient(connection.Resolve(parse));
                var run = new DiagnoseRun(client, DiagnoseView.Create(terminal, parse.GetValue(json)))
                {
                    Decision = parse.GetValue(approve) ? true : parse.GetValue(deny) ? false : null,
                    DenyReason = parse.GetValue(reason),
                    References = parse.GetValue(references) is { Length: > 0 } r ? r : null,
                };
                return await run.RunAsync(parse.GetValue(problem)!, parse.GetValue(env), contextValues, cancellationToken);
            });
        });
        return command;
    }
}
