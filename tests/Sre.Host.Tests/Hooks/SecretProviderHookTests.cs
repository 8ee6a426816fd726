using Sre.Host.Tests.ClientCli;
using Sre.Host.Tests.Support;
using Sre.Testing.OnePassword;

namespace Sre.Host.Tests.Hooks;

/// <summary>sessionStart against a server whose secrets come from 1Password Connect: a healthy
/// heartbeat is reported as such; when Connect goes away, or turns the token away, the agent and
/// the user are told.</summary>
public sealed class SecretProviderHookTests(TestDatabase db)
{
    [Fact]
    public async Task Session_start_reports_the_1Password_Connect_heartbeat_and_its_loss()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connect = await FakeConnectServer.StartAsync(cancellationToken: ct);
        connect.AddLogin("Infrastructure", "prod-db", "app", "CANARY-hook-pw-5e1c");
        var dir = SreCli.TempDirectory("sre-hook-op");
        var config = TestConfig.Standard(db).Write(dir, $$"""
            sre.secrets {
              provider = onepassword-connect
              onepassword-connect { url = "{{connect.Url}}", token = "{{connect.Token}}", timeout = 1s, retry-count = 0 }
            }
            """);
        await using var sre = await SreTestServer.StartAsync(config, dir, cancellationToken: ct);
        var env = SreCli.Environment(sre.BaseUrl);
        var input = CursorInputs.SessionStart("c-" + Guid.NewGuid().ToString("N")[..12]);

        var healthy = await SreCli.RunAsync(env, input, "hook", "session-start");
        Assert.True(healthy.Exit == 0, healthy.ToString());
        Assert.Matches($@"Secrets: onepassword-connect: 1Password Connect [\d.]* ?at {connect.Url.ToString().TrimEnd('/')} is up.*; the token reads 1 vault\(s\)", healthy.Json.GetProperty("additional_context").GetString());
        Assert.False(healthy.Json.TryGetProperty("user_message", out _), healthy.Stdout);

        await connect.StopAsync(ct);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await sre.Http.GetAsync("/health/ready", ct)).IsSuccessStatusCode && DateTime.UtcNow < deadline)
            await Task.Delay(200, ct); // readiness caches the provider's health for a few seconds

        var down = await SreCli.RunAsync(env, input, "hook", "session-start");
        Assert.Equal(0, down.Exit);
        var context = down.Json.GetProperty("additional_context").GetString()!;
        Assert.Contains($"The sre server at {sre.BaseUrl} is not ready", context);
        Assert.Contains("secrets: onepassword-connect: 1Password Connect at", context);
        Assert.Contains("cannot fetch credentials", context);
        Assert.Contains("Environments: prod", context); // what it can still tell
        Assert.Contains("not ready", down.Json.GetProperty("user_message").GetString());
    }

    [Fact]
    public async Task Session_start_says_when_1Password_Connect_is_up_but_rejects_the_token()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connect = await FakeConnectServer.StartAsync(cancellationToken: ct);
        connect.AddLogin("Infrastructure", "prod-db", "app", "CANARY-hook-pw-5e1c");
        const string revoked = "CANARY-revoked-connect-token-77a2";
        var dir = SreCli.TempDirectory("sre-hook-op-token");
        var config = TestConfig.Standard(db).Write(dir, $$"""
            sre.secrets {
              provider = onepassword-connect
              onepassword-connect { url = "{{connect.Url}}", token = "{{revoked}}", timeout = 1s, retry-count = 0 }
            }
            """);
        await using var sre = await SreTestServer.StartAsync(config, dir, cancellationToken: ct, expectUnready: true);

        var answer = await SreCli.RunAsync(SreCli.Environment(sre.BaseUrl), CursorInputs.SessionStart("c-" + Guid.NewGuid().ToString("N")[..12]), "hook", "session-start");

        Assert.Equal(0, answer.Exit);
        var context = answer.Json.GetProperty("additional_context").GetString()!;
        Assert.Contains("is up but rejected the token (401", context);
        Assert.Contains("OP_CONNECT_TOKEN", context);
        Assert.Contains("not ready", answer.Json.GetProperty("user_message").GetString());
        Assert.DoesNotContain(revoked, answer.Stdout);
    }
}
