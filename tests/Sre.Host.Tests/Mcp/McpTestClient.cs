using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Sre.Host.Tests.ClientCli;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.Mcp;

/// <summary>The MCP SDK's own client, as Cursor would connect: `sre mcp` as a child process over
/// stdio, or the server's /mcp endpoint over Streamable HTTP.</summary>
public static partial class McpTestClient
{
    public static Task<McpClient> StdioAsync(string server, IDictionary<string, string?> environment, CancellationToken cancellationToken, params string[] extraArgs)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "sre",
            Command = "dotnet",
            Arguments = [SreProcess.Dll, "mcp", "--server", server, .. extraArgs],
            EnvironmentVariables = environment.ToDictionary(kv => kv.Key, kv => kv.Value),
            WorkingDirectory = Path.GetTempPath(),
        });
        return McpClient.CreateAsync(transport, cancellationToken: cancellationToken);
    }

    public static Task<McpClient> HttpAsync(string baseUrl, CancellationToken cancellationToken, string? token = null)
    {
        var headers = new Dictionary<string, string>();
        if (token is not null) headers["Authorization"] = $"Bearer {token}";
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Name = "sre-http",
            Endpoint = new Uri(baseUrl.TrimEnd('/') + "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        });
        return McpClient.CreateAsync(transport, cancellationToken: cancellationToken);
    }

    public static string Text(this CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    public static async Task<(bool IsError, string Text)> CallAsync(this McpClient client, string tool, Dictionary<string, object?> arguments,
        CancellationToken cancellationToken, IProgress<ProgressNotificationValue>? progress = null)
    {
        var result = await client.CallToolAsync(tool, arguments, progress, cancellationToken: cancellationToken);
        return (result.IsError == true, result.Text());
    }

    public static string SessionId(string text) => SessionIdPattern().Match(text) is { Success: true } m ? m.Value : throw new InvalidOperationException($"no session id in: {text}");

    [GeneratedRegex(@"\bs-[0-9a-f]{12}\b")]
    private static partial Regex SessionIdPattern();
}

/// <summary>Collects progress notifications as they arrive (synchronously, unlike Progress&lt;T&gt;).</summary>
public sealed class ProgressLog : IProgress<ProgressNotificationValue>
{
    private readonly ConcurrentQueue<ProgressNotificationValue> _values = new();

    public IReadOnlyList<ProgressNotificationValue> Values => _values.ToList();

    public void Report(ProgressNotificationValue value) => _values.Enqueue(value);

    /// <summary>The notifications once the one matching <paramref name="last"/> and all before it
    /// (by progress number) have been handled.</summary>
    public async Task<IReadOnlyList<ProgressNotificationValue>> UntilAsync(Func<ProgressNotificationValue, bool> last, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(_values.FirstOrDefault(last) is { } final && _values.Count >= final.Progress))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Progress notifications: " + string.Join(" | ", _values.Select(v => $"{v.Progress} {v.Message}")));
            await Task.Delay(20, cancellationToken);
        }
        return Values;
    }
}
