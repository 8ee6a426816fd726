using System.CommandLine;
using Sre.Host.Client;

namespace Sre.Host.Cli;

/// <summary>The --server and --token options every client command takes (defaults: $SRE_URL, else
/// http://127.0.0.1:5080; $SRE_TOKEN). The token has no default value object so help never prints it.</summary>
public sealed class ClientConnection
{
    public Option<string?> Server { get; } = new("--server") { Description = $"Server URL (default ${SreClientOptions.ServerVariable}, else {SreClientOptions.DefaultServer})" };
    public Option<string?> Token { get; } = new("--token") { Description = $"Bearer token (default ${SreClientOptions.TokenVariable})" };

    public static ClientConnection AddTo(Command command)
    {
        var connection = new ClientConnection();
        command.Options.Add(connection.Server);
        command.Options.Add(connection.Token);
        return connection;
    }

    public SreClientOptions Resolve(ParseResult parse, string clientName = "sre-cli") =>
        SreClientOptions.Resolve(parse.GetValue(Server), parse.GetValue(Token)) with { ClientName = clientName };

    /// <summary>Runs a client command: translates client errors into a one-line message and an exit code.</summary>
    public static async Task<int> RunAsync(Terminal terminal, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (SreClientException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.For(e);
        }
    }
}
