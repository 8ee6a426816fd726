using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sre.Host.Hooks;

/// <summary>What a hook writes on stdout and its exit code. Cursor reads the JSON; exit code 2
/// blocks the action even if the JSON were lost, so denials use both.</summary>
public sealed record HookAnswer(JsonObject Body, int ExitCode)
{
    public const int Allowed = 0;
    public const int Blocked = 2;

    /// <summary>beforeMCPExecution (and the other before* permission hooks).</summary>
    public static HookAnswer Allow(string? userMessage = null, string? agentMessage = null) =>
        new(Permission("allow", userMessage, agentMessage), Allowed);

    public static HookAnswer Deny(string userMessage, string agentMessage) =>
        new(Permission("deny", userMessage, agentMessage), Blocked);

    /// <summary>sessionStart: environment for the session's later hooks and context for the agent.</summary>
    public static HookAnswer SessionStart(IReadOnlyDictionary<string, string> env, string additionalContext, string? userMessage)
    {
        var body = new JsonObject
        {
            ["env"] = new JsonObject(env.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
            ["additional_context"] = additionalContext,
        };
        if (userMessage is not null) body["user_message"] = userMessage;
        return new HookAnswer(body, Allowed);
    }

    /// <summary>beforeSubmitPrompt: the user's own words always go through.</summary>
    public static HookAnswer Continue() => new(new JsonObject { ["continue"] = true }, Allowed);

    /// <summary>stop / sessionEnd: nothing to add (no follow-up message, so no loop).</summary>
    public static HookAnswer Empty() => new(new JsonObject(), Allowed);

    private static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One line of JSON, readable in Cursor's hook log (quotes and backticks unescaped).</summary>
    public string ToJson() => Body.ToJsonString(Options);

    private static JsonObject Permission(string permission, string? userMessage, string? agentMessage)
    {
        var body = new JsonObject { ["permission"] = permission };
        if (userMessage is not null) body["user_message"] = userMessage;
        if (agentMessage is not null) body["agent_message"] = agentMessage;
        return body;
    }
}
