using System.CommandLine;
using Sre.Host.Hooks;

namespace Sre.Host.Cli;

/// <summary>`sre hook session-start|before-prompt|before-mcp|stop`: the Cursor hooks of
/// .cursor/hooks.json. Each reads Cursor's JSON on stdin and answers JSON on stdout; exit 2 blocks.</summary>
public static class HookCommand
{
    public static Command Create()
    {
        var hook = new Command("hook", "Cursor hooks (read Cursor's JSON on stdin, answer JSON on stdout)");
        hook.Subcommands.Add(Event(HookRunner.SessionStart, "sessionStart: check the server and its secret provider, give the agent context"));
        hook.Subcommands.Add(Event(HookRunner.BeforePrompt, "beforeSubmitPrompt: remember a fingerprint of the user's message"));
        hook.Subcommands.Add(Event(HookRunner.BeforeMcp, "beforeMCPExecution: audit sre tool calls; deny approvals that are not the user's words"));
        var always = new Option<bool>("--always") { Description = "Cancel on every stop, not only when the agent was aborted or failed" };
        hook.Subcommands.Add(Event(HookRunner.Stop, "stop: when the agent's turn was aborted or failed, cancel this conversation's sessions waiting for approval", always));
        hook.Subcommands.Add(Event(HookRunner.SessionEnd, "sessionEnd: cancel this conversation's sessions waiting for approval; forget its prompts"));
        return hook;
    }

    private static Command Event(string name, string description, Option<bool>? always = null)
    {
        var timeout = new Option<double>("--timeout") { Description = "Seconds allowed for each call to the server", DefaultValueFactory = _ => 3 };
        var command = new Command(name, description) { timeout };
        if (always is not null) command.Options.Add(always);
        var connection = ClientConnection.AddTo(command);
        command.SetAction(async (parse, _) =>
        {
            var settings = new HookRunner.Settings(parse.GetValue(connection.Server), parse.GetValue(connection.Token),
                TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(timeout), 0.2, 20)), always is not null && parse.GetValue(always));
            return await HookRunner.RunAsync(name, settings, Console.In, Console.Out, Console.Error);
        });
        return command;
    }
}
