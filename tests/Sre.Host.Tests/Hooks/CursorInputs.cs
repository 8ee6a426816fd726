using System.Text.Json;

namespace Sre.Host.Tests.Hooks;

/// <summary>Hook inputs in the shapes Cursor sends (common fields: conversation_id, generation_id,
/// model, hook_event_name, cursor_version, workspace_roots, user_email; then each event's own).
/// beforeMCPExecution's tool_input arrives as a JSON string in some Cursor versions and as an
/// object in others; both are used.</summary>
public static class CursorInputs
{
    /// <summary>Cursor starts a new generation with each user message; the agent's tool calls in that
    /// turn carry the same generation id.</summary>
    public static string NewGeneration() => "5b3c1e9a-" + Guid.NewGuid().ToString("N")[..8];

    private static Dictionary<string, object?> Common(string hookEvent, string conversation, string? generation = null) => new()
    {
        ["conversation_id"] = conversation,
        ["generation_id"] = generation ?? NewGeneration(),
        ["model"] = "claude-4.5-sonnet",
        ["hook_event_name"] = hookEvent,
        ["cursor_version"] = "2.1.32",
        ["workspace_roots"] = new[] { "/home/dev/sre" },
        ["user_email"] = "dev@example.com",
        ["transcript_path"] = null,
    };

    public static string SessionStart(string conversation) => Json(new(Common("sessionStart", conversation))
    {
        ["session_id"] = conversation,
        ["is_background_agent"] = false,
        ["composer_mode"] = "agent",
    });

    public static string BeforeSubmitPrompt(string conversation, string prompt, string? generation = null) => Json(new(Common("beforeSubmitPrompt", conversation, generation))
    {
        ["prompt"] = prompt,
        ["attachments"] = Array.Empty<object>(),
    });

    /// <summary>A stdio server's call (the command from .cursor/mcp.json), tool_input as a string.</summary>
    public static string BeforeMcp(string conversation, string tool, object input, string command = "/home/dev/sre/.cursor/sre mcp", string? generation = null) =>
        Json(new(Common("beforeMCPExecution", conversation, generation))
        {
            ["tool_name"] = tool,
            ["tool_input"] = JsonSerializer.Serialize(input),
            ["command"] = command,
        });

    /// <summary>An HTTP server's call, tool_input as an object.</summary>
    public static string BeforeMcpHttp(string conversation, string tool, object input, string url) =>
        Json(new(Common("beforeMCPExecution", conversation))
        {
            ["tool_name"] = tool,
            ["tool_input"] = input,
            ["url"] = url,
        });

    public static string Stop(string conversation, string status) => Json(new(Common("stop", conversation))
    {
        ["status"] = status,
        ["loop_count"] = 0,
    });

    public static string SessionEnd(string conversation) => Json(new(Common("sessionEnd", conversation))
    {
        ["session_id"] = conversation,
        ["reason"] = "user_close",
    });

    private static string Json(Dictionary<string, object?> value) => JsonSerializer.Serialize(value);
}
