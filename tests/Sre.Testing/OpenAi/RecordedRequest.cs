using System.Text.Json.Nodes;

namespace Sre.Testing.OpenAi;

/// <summary>A request as <see cref="FakeOpenAiServer"/> received it, body verbatim.</summary>
public sealed record RecordedRequest(string Method, string Path, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public JsonObject? Json => JsonNode.Parse(Body) as JsonObject;

    public bool Streamed => Json?["stream"]?.GetValue<bool>() ?? false;

    /// <summary>The <c>response_format.type</c> asked for ("json_schema"), or null.</summary>
    public string? ResponseFormat => Json?["response_format"]?["type"]?.GetValue<string>();

    public IReadOnlyList<string> ToolNames =>
        Json?["tools"] is JsonArray tools ? tools.Select(t => t?["function"]?["name"]?.GetValue<string>() ?? "").ToList() : [];

    /// <summary>Every message's content, joined: what the model was shown.</summary>
    public string Prompt =>
        Json?["messages"] is JsonArray messages
            ? string.Join("\n", messages.Select(m => m?["content"] is JsonValue v ? v.GetValue<string>() : m?["content"]?.ToJsonString() ?? ""))
            : "";

    /// <summary>The user message parsed as JSON (the material our prompts send), or null.</summary>
    public JsonObject? Material =>
        Json?["messages"] is JsonArray messages && messages.LastOrDefault(m => m?["role"]?.GetValue<string>() == "user")?["content"] is JsonValue v
            ? JsonNode.Parse(v.GetValue<string>()) as JsonObject
            : null;
}
