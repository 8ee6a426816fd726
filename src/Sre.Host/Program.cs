using System.CommandLine;
using Sre.Host.Cli;

namespace Sre.Host;

public static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("sre — SRE incident diagnosis on an Akka.NET cluster")
        {
            ServeCommand.Create(),
            DiagnoseCommand.Create(),
            McpCommand.Create(),
            HookCommand.Create(),
            ClusterCommand.Create(),
        };
        foreach (var command in SessionCommands.Create()) root.Subcommands.Add(command);
        // Give a node time to leave the cluster gracefully after SIGTERM before the process is ended.
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
    }
}
