using System.Text.Json;

namespace Sre.Host.Hooks;

/// <summary>What Cursor sends a hook on stdin, read leniently: every field is optional, unknown
/// fields are ignored, and <c>tool_input</c> may be an object or a JSON string (both are seen in the
/// wild). Common fields: hook_event_name, conversation_id, generation_id, workspace_roots.</summary>
public sealed record HookInput
{
    public string? Event { get; init; }
    public string? ConversationId { get; init; }
    public string? GenerationId { get; init; }
    public string? ToolName { get; init; }
    public JsonElement? ToolInput { get; init; }
    /// <summary>beforeMCPExecution: the HTTP server's URL, or the stdio server's command.</summary>
    public string? Url { get; init; }
    public string? Command { get; init; }
    public string? ServerName { get; init; }
    /// <summary>beforeSubmitPrompt.</summary>
    public string? Prompt { get; init; }
    /// <summary>stop: completed | aborted | error.</summary>
    public string? Status { get; init; }
    public string? UserEmail { get; init; }

    /// <summary>Parses Cursor's JSON; throws <see cref="FormatException"/> with a reason a person can read.</summary>
    public static HookInput Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new FormatException("empty input (Cursor sends one JSON object on stdin)");
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new FormatException($"input is not JSON ({e.Message.Split('.')[0]})");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"input is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");

        string? Str(params string[] names)
        {
            foreach (var n in names)
                if (root.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()))
                    return v.GetString();
            return null;
        }

        JsonElement? toolInput = null;
        if (root.TryGetProperty("tool_input", out var ti) || root.TryGetProperty("toolInput", out ti) || root.TryGetProperty("arguments", out ti))
        {
            if (ti.ValueKind == JsonValueKind.Object) toolInput = ti;
            else if (ti.ValueKind == JsonValueKind.String)
            {
                try
                {
                    using var inner = JsonDocument.Parse(ti.GetString()!);
                    if (inner.RootElement.ValueKind == JsonValueKind.Object) toolInput = inner.RootElement.Clone();
                }
                catch (JsonException)
                {
                    throw new FormatException("tool_input is a string that is not a JSON object");
                }
            }
        }

        return new HookInput
        {
            Event = Str("hook_event_name", "hookEventName"),
            ConversationId = Str("conversation_id", "conversationId", "session_id"),
            GenerationId = Str("generation_id"),
            ToolName = Str("tool_name", "toolName"),
            ToolInput = toolInput,
            Url = Str("url"),
            Command = Str("command"),
            ServerName = Str("server", "server_name", "serverName"),
            Prompt = Str("prompt"),
            Status = Str("status"),
            UserEmail = Str("user_email"),
        };
    }

    /// <summary>A string argument of the tool call, by any of its spellings.</summary>
    public string? Argument(params string[] names)
    {
        if (ToolInput is not { } input) return null;
        foreach (var n in names)
            if (input.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String)
                return v.GetString();
        return null;
    }

    public IReadOnlyList<string> ArgumentList(string name)
    {
        if (ToolInput is { } input && input.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array)
            return v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList();
        return [];
    }
}
