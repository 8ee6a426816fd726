using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Sre.Host.Client;
using Sre.Host.Hooks;

namespace Sre.Host.Mcp;

/// <summary>Hosts <see cref="SreMcpTools"/>: over stdio for `sre mcp`, or over Streamable HTTP at /mcp
/// on the server (stateless, so any node of a cluster can answer any request).</summary>
public static class SreMcpServer
{
    public const string ConversationVariable = "SRE_CONVERSATION_ID";

    /// <summary>The server side: register with the web host, then <c>app.MapMcp("/mcp")</c>.</summary>
    public static IServiceCollection AddSreMcpHttp(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<ISreClientSource, HttpRequestClientSource>();
        services.AddMcpServer(Configure).WithHttpTransport(o => o.Stateless = true).WithTools<SreMcpTools>();
        return services;
    }

    /// <summary>`sre mcp`: JSON-RPC on stdin/stdout until the client closes stdin. Logs go to stderr,
    /// which Cursor shows in its MCP output panel; stdout belongs to the protocol.</summary>
    public static async Task RunStdioAsync(SreClientOptions options, string? conversationId, CancellationToken cancellationToken)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<ISreClientSource>(new FixedClientSource(options, conversationId, HookState.Default()));
        builder.Services.AddMcpServer(Configure).WithStdioServerTransport().WithTools<SreMcpTools>();
        using var host = builder.Build();
        await host.RunAsync(cancellationToken);
    }

    private static void Configure(McpServerOptions options)
    {
        options.ServerInfo = new Implementation { Name = "sre", Title = "SRE incident diagnosis", Version = typeof(SreMcpServer).Assembly.GetName().Version?.ToString(3) ?? "1.0.0" };
        options.ServerInstructions = SreMcpTools.Instructions;
    }
}
