using System.CommandLine;
using Sre.Host.Configuration;
using Sre.Host.Hosting;

namespace Sre.Host.Cli;

/// <summary>`sre serve`: run a node (with no flags, the embedded one-node default).</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "A HOCON file layered over the defaults (environments, secrets, llm, auth …)" };
        var urls = new Option<string?>("--urls") { Description = "HTTP listen URLs (default http://127.0.0.1:5080)" };
        var data = new Option<string?>("--data") { Description = "Data directory for the embedded SQLite journal (default ./data)" };
        var roles = new Option<string?>("--roles") { Description = "Node roles: main,runner (default both)" };
        var remoting = new Option<string?>("--remoting") { Description = "Remoting HOST:PORT (default 127.0.0.1 with a free port)" };
        var seeds = new Option<string?>("--seeds") { Description = "Seed nodes HOST:PORT,… (default: this node is its own seed)" };
        var command = new Command("serve", "Run a diagnosis server node") { config, urls, data, roles, remoting, seeds };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ServeOptions
            {
                ConfigFile = parse.GetValue(config),
                Urls = parse.GetValue(urls),
                DataDirectory = parse.GetValue(data),
                Roles = Split(parse.GetValue(roles)),
                Remoting = parse.GetValue(remoting),
                Seeds = Split(parse.GetValue(seeds)),
            };
            WebApplication app;
            try
            {
                app = ServerHost.Build(options);
            }
            catch (InvalidConfigurationException e)
            {
                await Console.Error.WriteLineAsync($"sre: {e.Message}");
                return 2;
            }
            // SIGTERM/Ctrl-C cancel the token: the host stops, Akka runs CoordinatedShutdown (the node
            // leaves the cluster, shards hand off) and the process exits 0.
            try
            {
                await app.RunAsync(cancellationToken);
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                await Console.Error.WriteLineAsync($"sre: cannot listen: {e.Message} Stop the other process or choose another address with --urls.");
                return 2;
            }
            return 0;
        });
        return command;
    }

    private static IReadOnlyList<string>? Split(string? value) =>
        value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
