using Sre.Host.Configuration;
using Sre.Host.Tests.Api;
using Sre.Host.Tests.ClientCli;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.Mcp;

/// <summary>The same tools at /mcp on the server, over Streamable HTTP, with the caller's token.</summary>
public sealed class HttpMcpTests(SharedServer shared, TestDatabase db) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task The_server_serves_the_same_tools_at_mcp_with_progress_notifications()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await McpTestClient.HttpAsync(shared.Sre.BaseUrl, ct);

        var tools = await client.ListToolsAsync(cancellationToken: ct);
        Assert.Equal(McpScenario.ToolNames, tools.Select(t => t.Name).Order());
        await McpScenario.DiagnoseApproveAndWaitAsync(client, shared.Sre, "conv-http-" + Guid.NewGuid().ToString("N")[..8], ct);
    }

    [Fact]
    public async Task With_tokens_mcp_needs_one_and_acts_as_its_principal()
    {
        var ct = TestContext.Current.CancellationToken;
        const string token = "bob-token-9d2e";
        var dir = SreCli.TempDirectory("sre-mcp-auth");
        var config = TestConfig.Standard(db).Write(dir, $$"""sre.auth.tokens = [ { sha256 = "{{AuthToken.Hash(token)}}", principal = bob, roles = [requester, approver] } ]""");
        await using var sre = await SreTestServer.StartAsync(config, dir, cancellationToken: ct);

        var refused = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var anonymous = await McpTestClient.HttpAsync(sre.BaseUrl, ct);
            await anonymous.DisposeAsync();
        });
        Assert.Contains("401", refused.ToString());

        await using var client = await McpTestClient.HttpAsync(sre.BaseUrl, ct, token);
        var (_, text) = await client.CallAsync("diagnose", new() { ["problem"] = "Diagnose prod", ["environment"] = "prod" }, ct);
        var id = McpTestClient.SessionId(text);
        var (error, approved) = await client.CallAsync("approve", new() { ["sessionId"] = id, ["confirmation"] = "approve" }, ct);
        Assert.False(error, approved);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/status/{id}");
        request.Headers.Authorization = new("Bearer", token);
        var status = System.Text.Json.JsonDocument.Parse(await (await sre.Http.SendAsync(request, ct)).Content.ReadAsStringAsync(ct)).RootElement;
        Assert.Equal("bob", status.GetProperty("requester").GetString());
        Assert.Equal("bob", status.GetProperty("approvals")[0].GetProperty("principal").GetString());
    }
}
