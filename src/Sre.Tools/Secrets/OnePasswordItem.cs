using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sre.Tools.Secrets;

/// <summary>The parts of a 1Password item both the Connect API (full item) and
/// <c>op item get --format json</c> return in the same shape: sections, and fields that point at
/// their section by id. Never logged: field values are secrets.</summary>
internal sealed class OnePasswordItem
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("title")] public string? Title { get; set; }
    [JsonPropertyName("vault")] public OnePasswordObjectRef? Vault { get; set; }
    [JsonPropertyName("sections")] public List<OnePasswordSection>? Sections { get; set; }
    [JsonPropertyName("fields")] public List<OnePasswordField>? Fields { get; set; }

    public override string ToString() => $"item {Id} '{Title}'"; // never the fields
}

internal sealed class OnePasswordObjectRef
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
}

internal sealed class OnePasswordSection
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("label")] public string? Label { get; set; }
}

internal sealed class OnePasswordField
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("label")] public string? Label { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("purpose")] public string? Purpose { get; set; }
    [JsonPropertyName("value")] public string? Value { get; set; }
    [JsonPropertyName("section")] public OnePasswordSection? Section { get; set; }

    /// <summary>The current one-time password Connect computes for OTP fields.</summary>
    [JsonPropertyName("totp")] public string? Totp { get; set; }

    public override string ToString() => $"field {Id} '{Label}'"; // never the value
}
