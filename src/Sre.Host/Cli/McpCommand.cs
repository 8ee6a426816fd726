using System.CommandLine;
using Sre.Host.Client;
using Sre.Host.Mcp;

namespace Sre.Host.Cli;

/// <summary>`sre mcp`: the MCP tools over stdio, for Cursor's .cursor/mcp.json. It talks to the
/// server's REST API with --server/--token ($SRE_URL/$SRE_TOKEN) and holds nothing else.</summary>
public static class McpCommand
{
    public static Command Create()
    {
        var conversation = new Option<string?>("--conversation")
        {
            Description = $"Bind sessions to this Cursor conversation when a tool call names none (default ${SreMcpServer.ConversationVariable})",
        };
        var command = new Command("mcp", "Serve the sre MCP tools over stdio (for Cursor)") { conversation };
        var connection = ClientConnection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            SreClientOptions options;
            try
            {
                options = connection.Resolve(parse, "sre-mcp");
            }
            catch (SreClientException e)
            {
                Terminal.FromConsole().Fail(e.Message);
                return ExitCodes.Usage;
            }
            var conversationId = parse.GetValue(conversation) ?? Environment.GetEnvironmentVariable(SreMcpServer.ConversationVariable);
            await SreMcpServer.RunStdioAsync(options, string.IsNullOrWhiteSpace(conversationId) ? null : conversationId, cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }
}
