using Sre.Host.Client;
using Sre.Host.Hooks;

namespace Sre.Host.Mcp;

/// <summary>Where an MCP tool call gets its connection to the REST API: for `sre mcp` (stdio) the
/// --server/--token of the process; inside the server (HTTP /mcp) the server itself, called with the
/// caller's own bearer token. Either way the adapter holds no secret of its own.</summary>
public interface ISreClientSource
{
    /// <summary>A client for this tool call; the caller disposes it.</summary>
    SreClient Create();

    /// <summary>The Cursor conversation to bind sessions to when a call names none.</summary>
    string? ConversationId { get; }

    /// <summary>The conversation Cursor's before-mcp hook saw issuing this very diagnose call (same
    /// problem and environment), when the hook could tell us; it beats what the agent claims.</summary>
    string? ClaimConversation(string? problem, string? environment);
}

/// <summary>`sre mcp`: one server, one token, for the life of the process; conversation ids come
/// from the call, from the hooks' hand-off (same machine, same user) or from --conversation.</summary>
public sealed class FixedClientSource(SreClientOptions options, string? conversationId, HookState? handOffs = null) : ISreClientSource
{
    private static readonly TimeSpan HandOffMaxAge = TimeSpan.FromMinutes(2);
    private readonly SocketsHttpHandler _handler = SreClient.CreateHandler(options.RequestTimeout);

    public SreClient Create() => new(options, _handler);

    public string? ConversationId { get; } = conversationId;

    public string? ClaimConversation(string? problem, string? environment)
    {
        try
        {
            return handOffs?.TakeHandOff(HookState.DiagnoseKey(problem, environment), HandOffMaxAge, DateTimeOffset.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
