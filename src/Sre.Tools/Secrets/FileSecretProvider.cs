using System.Text.Json;

namespace Sre.Tools.Secrets;

/// <summary>Development only: secrets from a local JSON file
/// (<c>{"op://Vault/item": {"username": "…", "password": "…"}}</c>). The server warns at start
/// and in /health/ready while it is in use.</summary>
public sealed class FileSecretProvider(string path) : ISecretProvider
{
    public string Name => "file";
    public bool IsDevelopmentOnly => true;
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public async Task<SecretBundle> FetchAsync(SecretReference reference, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
            throw new SecretFetchException(reference, $"the development secrets file '{Path}' does not exist");

        Dictionary<string, JsonElement>? items;
        try
        {
            await using var stream = File.OpenRead(Path);
            items = await JsonSerializer.DeserializeAsync<Dictionary<string, JsonElement>>(stream, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            // The parser's message can quote the file; keep only the position.
            throw new SecretFetchException(reference, $"the development secrets file '{Path}' is not valid JSON (line {e.LineNumber + 1})");
        }

        var item = items?.FirstOrDefault(kv =>
            SecretReference.TryParse(kv.Key, out var r, out _) && r.Equals(reference.ItemReference));
        if (item is not { Key: not null } found)
            throw new SecretFetchException(reference, $"no item '{reference.ItemReference}' in '{Path}'");

        var fields = new List<KeyValuePair<string, string>>();
        if (found.Value.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in found.Value.EnumerateObject())
                fields.Add(KeyValuePair.Create(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()));
        }
        else if (found.Value.ValueKind == JsonValueKind.String)
        {
            fields.Add(KeyValuePair.Create("value", found.Value.GetString()!));
        }

        if (reference.IsItemLevel) return new SecretBundle(reference, fields);

        var field = fields.FirstOrDefault(f => string.Equals(f.Key, reference.Field, StringComparison.OrdinalIgnoreCase));
        if (field.Key is null)
            throw new SecretFetchException(reference, $"item '{reference.ItemReference}' has no field '{reference.Field}'");
        return new SecretBundle(reference, [field]);
    }

    public Task<ProviderHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(Path)
            ? new ProviderHealth(true, $"development secrets file '{Path}' (do not use in production)")
            : new ProviderHealth(false, $"development secrets file '{Path}' does not exist"));
}
