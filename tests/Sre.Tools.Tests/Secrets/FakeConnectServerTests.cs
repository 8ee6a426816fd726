using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Sre.Testing.OnePassword;

namespace Sre.Tools.Tests.Secrets;

/// <summary>The fake speaks Connect's wire format, checked with a plain HttpClient so that other
/// test projects can rely on it without going through the provider.</summary>
public sealed class FakeConnectServerTests : IAsyncLifetime
{
    private FakeConnectServer _server = null!;
    private readonly HttpClient _http = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeConnectServer.StartAsync(cancellationToken: Ct);
        _server.AddLogin("Infrastructure", "prod-db", "app", "CANARY-fake-pw");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string ContentType, string Body)> GetAsync(string path, string? token = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.Url, path));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Length == 0 ? _server.Token : token);
        using var response = await _http.SendAsync(request, Ct);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task It_listens_on_loopback_and_answers_heartbeat_and_health_without_a_token()
    {
        var heartbeat = await GetAsync("/heartbeat", token: null);
        var health = await GetAsync("/health", token: null);

        Assert.Equal("127.0.0.1", _server.Url.Host);
        Assert.Equal((HttpStatusCode.OK, "text/plain", "."), heartbeat);
        Assert.Equal(HttpStatusCode.OK, health.Status);
        using var json = JsonDocument.Parse(health.Body);
        Assert.Equal("1Password Connect API", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("dependencies").GetArrayLength());
    }

    [Fact]
    public async Task Errors_have_connects_status_and_message_body()
    {
        var missing = await GetAsync("/v1/vaults", token: null);
        var wrong = await GetAsync("/v1/vaults", token: "nope");
        var notFound = await GetAsync("/v1/vaults/aaaaaaaaaaaaaaaaaaaaaaaaaa");
        var badFilter = await GetAsync("/v1/vaults?filter=" + Uri.EscapeDataString("title sw \"x\""));

        Assert.Equal((HttpStatusCode.Unauthorized, "application/json"), (missing.Status, missing.ContentType));
        Assert.Equal("""{"status":401,"message":"Missing bearer token"}""", missing.Body);
        Assert.Equal("""{"status":401,"message":"Invalid token signature"}""", wrong.Body);
        Assert.Equal(HttpStatusCode.NotFound, notFound.Status);
        Assert.Equal(404, JsonDocument.Parse(notFound.Body).RootElement.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.Status);
        Assert.All(_server.Requests, r => Assert.DoesNotContain(_server.Token, r.ToString()));
    }

    [Fact]
    public async Task Vaults_and_items_are_listed_with_filters_and_items_carry_sections_and_fields()
    {
        var vaults = await GetAsync("/v1/vaults?filter=" + Uri.EscapeDataString("name eq \"Infrastructure\""));
        var none = await GetAsync("/v1/vaults?filter=" + Uri.EscapeDataString("name eq \"infrastructure\""));
        var vaultId = JsonDocument.Parse(vaults.Body).RootElement[0].GetProperty("id").GetString()!;
        var items = await GetAsync($"/v1/vaults/{vaultId}/items?filter=" + Uri.EscapeDataString("title eq \"prod-db\""));
        var itemId = JsonDocument.Parse(items.Body).RootElement[0].GetProperty("id").GetString()!;
        var item = await GetAsync($"/v1/vaults/{vaultId}/items/{itemId}");

        Assert.Equal("[]", none.Body); // the filter matches exactly
        Assert.Equal(26, vaultId.Length);
        var summary = JsonDocument.Parse(items.Body).RootElement[0];
        Assert.False(summary.TryGetProperty("fields", out _)); // lists never carry values
        Assert.Equal(vaultId, summary.GetProperty("vault").GetProperty("id").GetString());
        var fields = JsonDocument.Parse(item.Body).RootElement.GetProperty("fields");
        Assert.Equal(["username", "password"], fields.EnumerateArray().Select(f => f.GetProperty("label").GetString()));
        Assert.Equal("PASSWORD", fields[1].GetProperty("purpose").GetString());
        Assert.Equal("CONCEALED", fields[1].GetProperty("type").GetString());
        Assert.True(JsonDocument.Parse(item.Body).RootElement.TryGetProperty("sections", out _));
    }

    [Fact]
    public async Task Failures_are_served_in_order_and_then_the_server_recovers()
    {
        _server.FailNext(1, FakeConnectFailure.ServiceUnavailable);
        _server.FailNext(1, FakeConnectFailure.DropConnection);

        var unavailable = await GetAsync("/heartbeat");
        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync("/heartbeat"));
        var recovered = await GetAsync("/heartbeat");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.Status);
        Assert.Equal("""{"status":503,"message":"Connect is not ready to serve requests"}""", unavailable.Body);
        Assert.Equal(HttpStatusCode.OK, recovered.Status);
        Assert.Equal([503, 0, 200], _server.Requests.Select(r => r.Status));
    }
}
