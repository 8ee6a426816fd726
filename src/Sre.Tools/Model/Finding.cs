using System.Text.Json.Nodes;

namespace Sre.Tools.Model;

/// <summary>One observation an agent made. Tools leave <see cref="Id"/> empty; the session assigns
/// <c>f-N</c> when it records the finding so ids are unique and stable within a session.</summary>
public sealed record Finding
{
    public string Id { get; init; } = "";
    public required string Agent { get; init; }
    public required string Target { get; init; }
    public required string Check { get; init; }
    public required Severity Severity { get; init; }
    public required string Title { get; init; }
    public string Detail { get; init; } = "";
    public JsonObject? Data { get; init; }
    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Reads a number from <see cref="Data"/> (however it was stored: int, long, double,
    /// or parsed JSON), or null when absent or not a number.</summary>
    public double? Number(string key) =>
        Data?[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)
            : null;

    /// <summary>Reads a string from <see cref="Data"/>, or null when absent.</summary>
    public string? Text(string key) =>
        Data?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
