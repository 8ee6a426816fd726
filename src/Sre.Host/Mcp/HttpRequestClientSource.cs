using Sre.Host.Client;

namespace Sre.Host.Mcp;

/// <summary>Inside the server, an /mcp tool call goes back through the public REST API of this very
/// node with the Authorization header the MCP client sent, so MCP callers get exactly the rights
/// their token gives and the same audit trail as curl. The conversation comes from the
/// X-Sre-Conversation header when the client sets one.</summary>
public sealed class HttpRequestClientSource(IHttpContextAccessor accessor) : ISreClientSource
{
    public const string ConversationHeader = "X-Sre-Conversation";

    private static readonly SocketsHttpHandler Handler = SreClient.CreateHandler(TimeSpan.FromSeconds(5));

    public SreClient Create()
    {
        var http = accessor.HttpContext ?? throw new InvalidOperationException("An /mcp tool call outside an HTTP request.");
        var authorization = http.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
        return new SreClient(new SreClientOptions { Server = SelfAddress(http), Token = token, ClientName = "sre-mcp-http" }, Handler);
    }

    public string? ConversationId => accessor.HttpContext?.Request.Headers[ConversationHeader].FirstOrDefault();

    /// <summary>The hooks run on the user's machine, not here: no hand-off over HTTP.</summary>
    public string? ClaimConversation(string? problem, string? environment) => null;

    /// <summary>The listener this request came in on: plain HTTP by its local socket address (works
    /// for wildcard bindings); HTTPS by the host name the client used, so the certificate matches.</summary>
    private static Uri SelfAddress(HttpContext http)
    {
        var request = http.Request;
        var pathBase = request.PathBase.HasValue ? request.PathBase.Value!.TrimEnd('/') : "";
        if (request.IsHttps || http.Connection.LocalIpAddress is null)
            return new Uri($"{request.Scheme}://{request.Host}{pathBase}/");
        var ip = http.Connection.LocalIpAddress;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        var host = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
        return new Uri($"http://{host}:{http.Connection.LocalPort}{pathBase}/");
    }
}
