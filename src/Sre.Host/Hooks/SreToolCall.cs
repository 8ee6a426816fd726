namespace Sre.Host.Hooks;

/// <summary>Is this beforeMCPExecution about one of our tools, and which? Cursor names tools
/// plainly ("approve") or with their server ("MCP:sre:approve"), and gives the server's URL (HTTP) or
/// command (stdio). Only positive evidence of another server lets a call pass unchecked: a call
/// named like ours from a server we cannot identify is treated as ours, so an unverified `approve`
/// never slips through.</summary>
public sealed record SreToolCall(string Tool)
{
    public static readonly IReadOnlySet<string> Tools = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "diagnose", "approve", "deny", "status", "wait_for_report", "list_sessions", "cancel" };

    public bool IsApprove => Tool.Equals("approve", StringComparison.OrdinalIgnoreCase);
    public bool IsDiagnose => Tool.Equals("diagnose", StringComparison.OrdinalIgnoreCase);

    /// <summary>Ours: the call. Another server's: null.</summary>
    public static SreToolCall? Recognize(HookInput input, Uri server)
    {
        var (serverName, tool) = Split(input.ToolName ?? "");
        serverName ??= input.ServerName;
        bool? ours = null;
        if (serverName is not null) ours = serverName.StartsWith("sre", StringComparison.OrdinalIgnoreCase);
        else if (input.Url is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri))
            ours = uri.Authority.Equals(server.Authority, StringComparison.OrdinalIgnoreCase) && uri.AbsolutePath.TrimEnd('/').EndsWith("/mcp", StringComparison.OrdinalIgnoreCase);
        else if (input.Command is { } command && MentionsSre(command))
            ours = true;
        if (ours == false || !Tools.Contains(tool)) return null;
        return new SreToolCall(tool.ToLowerInvariant());
    }

    private static (string? Server, string Tool) Split(string name)
    {
        var n = name.Trim();
        if (n.StartsWith("MCP:", StringComparison.OrdinalIgnoreCase) && n.IndexOf(':', 4) is var colon and > 4)
            return (n[4..colon], n[(colon + 1)..]);
        if (n.StartsWith("mcp__", StringComparison.OrdinalIgnoreCase) && n.IndexOf("__", 5, StringComparison.Ordinal) is var sep and > 5)
            return (n[5..sep], n[(sep + 2)..]);
        return (null, n);
    }

    private static bool MentionsSre(string command) =>
        command.Split([' ', '/', '\\', '"', '\''], StringSplitOptions.RemoveEmptyEntries)
            .Any(p => p.Equals("sre", StringComparison.OrdinalIgnoreCase) || p.Equals("sre.dll", StringComparison.OrdinalIgnoreCase)
                || p.Equals("Sre.Host", StringComparison.OrdinalIgnoreCase) || p.Equals("sre.exe", StringComparison.OrdinalIgnoreCase));
}
