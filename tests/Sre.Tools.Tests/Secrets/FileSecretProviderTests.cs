using Sre.Tools.Secrets;

namespace Sre.Tools.Tests.Secrets;

public sealed class FileSecretProviderTests : IDisposable
{
    private const string Password = "CANARY-file-pw-4e21";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sre-file-secrets-" + Guid.NewGuid().ToString("N")[..12]);

    public FileSecretProviderTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FileSecretProvider ProviderWith(string json)
    {
        var path = Path.Combine(_directory, "secrets.dev.json");
        File.WriteAllText(path, json);
        return new FileSecretProvider(path);
    }

    private FileSecretProvider Standard() => ProviderWith($$"""
        {
          "op://Infrastructure/prod-db": {"username": "app", "password": "{{Password}}"},
          "op://AI/openai": "sk-dev-only"
        }
        """);

    [Fact]
    public async Task An_item_level_reference_returns_every_field()
    {
        using var bundle = await Standard().FetchAsync(SecretReference.Parse("op://Infrastructure/prod-db"), Ct);

        Assert.Equal(["password", "username"], bundle.Labels.Order());
        Assert.Equal(Password, bundle.RequireField("password"));
    }

    [Fact]
    public async Task A_field_reference_returns_that_field_matching_names_without_case()
    {
        using var bundle = await Standard().FetchAsync(SecretReference.Parse("op://infrastructure/PROD-DB/Password"), Ct);

        Assert.Equal(Password, bundle.Value);
    }

    [Fact]
    public async Task An_item_given_as_a_plain_string_has_one_field_called_value()
    {
        using var bundle = await Standard().FetchAsync(SecretReference.Parse("op://AI/openai"), Ct);

        Assert.Equal("sk-dev-only", bundle.RequireField("value"));
    }

    [Fact]
    public async Task Missing_items_and_fields_are_reported_by_reference()
    {
        var provider = Standard();

        var item = await Assert.ThrowsAsync<SecretFetchException>(() => provider.FetchAsync(SecretReference.Parse("op://Infrastructure/nope"), Ct));
        var field = await Assert.ThrowsAsync<SecretFetchException>(() => provider.FetchAsync(SecretReference.Parse("op://Infrastructure/prod-db/token"), Ct));

        Assert.Contains("no item 'op://Infrastructure/nope'", item.Message);
        Assert.Contains("has no field 'token'", field.Message);
        Assert.DoesNotContain(Password, field.Message);
    }

    [Fact]
    public async Task A_missing_file_is_an_error_and_unhealthy()
    {
        var provider = new FileSecretProvider(Path.Combine(_directory, "absent.json"));

        var e = await Assert.ThrowsAsync<SecretFetchException>(() => provider.FetchAsync(SecretReference.Parse("op://v/i"), Ct));
        var health = await provider.CheckHealthAsync(Ct);

        Assert.Contains("does not exist", e.Reason);
        Assert.False(health.Healthy);
    }

    [Fact]
    public async Task Invalid_json_is_reported_with_its_line_and_without_its_content()
    {
        var provider = ProviderWith($$"""
            {
              "op://v/i": {"password": "{{Password}}" "oops": 1}
            }
            """);

        var e = await Assert.ThrowsAsync<SecretFetchException>(() => provider.FetchAsync(SecretReference.Parse("op://v/i"), Ct));

        Assert.Contains("is not valid JSON (line 2)", e.Reason);
        Assert.DoesNotContain(Password, e.ToString());
    }

    [Fact]
    public async Task It_is_development_only_and_says_so_in_its_health()
    {
        var provider = Standard();

        var health = await provider.CheckHealthAsync(Ct);

        Assert.True(provider.IsDevelopmentOnly);
        Assert.Equal("file", provider.Name);
        Assert.True(health.Healthy);
        Assert.Contains("do not use in production", health.Detail);
    }
}
