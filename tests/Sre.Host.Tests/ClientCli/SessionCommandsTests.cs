using Sre.Host.Configuration;
using Sre.Host.Tests.Api;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.ClientCli;

/// <summary>`sre approve|deny|status|report|cancel ID` and `sre sessions` from a second terminal.</summary>
public sealed class SessionCommandsTests(SharedServer shared, TestDatabase db) : IClassFixture<SharedServer>
{
    private SreTestServer Sre => shared.Sre;

    [Fact]
    public async Task Status_shows_the_prompt_approve_with_a_reference_runs_it_and_report_wait_prints_the_markdown()
    {
        var ct = TestContext.Current.CancellationToken;
        var env = SreCli.Environment(Sre.BaseUrl);
        var id = await Sre.DiagnoseAsync("Diagnose slow queries in prod", "prod", ct);
        await Sre.WaitForPhaseAsync(id, ct, "waiting_for_input");

        var status = await SreCli.RunAsync(env, null, "status", id);
        Assert.Equal(0, status.Exit);
        Assert.Contains($"{id}  waiting_for_input  prod", status.Stdout);
        Assert.Contains(TestConfig.ProdDb, status.Stdout);
        Assert.Contains($"sre approve {id}", status.Stdout);

        var approve = await SreCli.RunAsync(env, null, "approve", id, "--reference", TestConfig.ProdDb);
        Assert.True(approve.Exit == 0, approve.ToString());
        Assert.Contains($"Approved {id}: {TestConfig.ProdDb}", approve.Stdout);

        var report = await SreCli.RunAsync(env, null, "report", id, "--wait");
        Assert.True(report.Exit == 0, report.ToString());
        Assert.StartsWith("# Diagnosis: Diagnose slow queries in prod", report.Stdout);

        var json = await SreCli.RunAsync(env, null, "status", id, "--json");
        Assert.Equal("completed", json.Json.GetProperty("phase").GetString());

        var again = await SreCli.RunAsync(env, null, "approve", id);
        Assert.Equal(8, again.Exit);
        Assert.Contains(id, again.Stderr);
        SreCli.AssertNoStackTrace(again);
    }

    [Fact]
    public async Task Deny_and_cancel_end_sessions_and_sessions_lists_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var env = SreCli.Environment(Sre.BaseUrl);
        var denied = await Sre.DiagnoseAsync("Diagnose locks in prod", "prod", ct);
        var cancelled = await Sre.DiagnoseAsync("Diagnose bloat in prod", "prod", ct);
        await Sre.WaitForPhaseAsync(denied, ct, "waiting_for_input");
        await Sre.WaitForPhaseAsync(cancelled, ct, "waiting_for_input");

        var deny = await SreCli.RunAsync(env, null, "deny", denied, "--reason", "wrong environment");
        Assert.Equal(0, deny.Exit);
        Assert.Contains($"Denied {denied}; now denied.", deny.Stdout);
        var cancel = await SreCli.RunAsync(env, null, "cancel", cancelled);
        Assert.Equal(0, cancel.Exit);
        Assert.Contains($"Session {cancelled} is cancelled.", cancel.Stdout);

        var list = await SreCli.RunAsync(env, null, "sessions", "--limit", "100");
        Assert.Equal(0, list.Exit);
        Assert.Contains(list.Stdout.Split('\n'), l => l.StartsWith(denied) && l.Contains("denied"));
        Assert.Contains(list.Stdout.Split('\n'), l => l.StartsWith(cancelled) && l.Contains("cancelled"));
    }

    [Fact]
    public async Task Unknown_sessions_are_rejections_with_exit_8()
    {
        var env = SreCli.Environment(Sre.BaseUrl);
        var status = await SreCli.RunAsync(env, null, "status", "s-000000000000");
        Assert.Equal(8, status.Exit);
        Assert.Contains("Unknown session 's-000000000000'", status.Stderr);
        var report = await SreCli.RunAsync(env, null, "report", "s-000000000000");
        Assert.Equal(8, report.Exit);
        SreCli.AssertNoStackTrace(report);
    }

    [Fact]
    public async Task A_server_with_tokens_wants_one_exit_7_without_and_SRE_TOKEN_works()
    {
        var ct = TestContext.Current.CancellationToken;
        const string token = "alice-token-3c1f";
        var dir = SreCli.TempDirectory("sre-cli-auth");
        var config = TestConfig.Standard(db).Write(dir, $$"""sre.auth.tokens = [ { sha256 = "{{AuthToken.Hash(token)}}", principal = alice, roles = [requester, approver] } ]""");
        await using var sre = await SreTestServer.StartAsync(config, dir, cancellationToken: ct);

        var anonymous = await SreCli.RunAsync(SreCli.Environment(sre.BaseUrl), null, "sessions");
        Assert.Equal(7, anonymous.Exit);
        Assert.Contains($"The sre server at {sre.BaseUrl} needs a token", anonymous.Stderr);
        Assert.Contains("SRE_TOKEN", anonymous.Stderr);

        var wrong = await SreCli.RunAsync(SreCli.Environment(sre.BaseUrl), null, "sessions", "--token", "nope");
        Assert.Equal(7, wrong.Exit);
        Assert.Contains("did not accept the token", wrong.Stderr);
        Assert.DoesNotContain("nope", wrong.Stderr);

        var alice = await SreCli.RunAsync(SreCli.Environment(sre.BaseUrl, token: token), null, "diagnose", "Diagnose prod", "--env", "prod", "--approve");
        Assert.True(alice.Exit == 0, alice.ToString());
        Assert.Contains("✓ approved by alice", alice.Stdout);
    }

    [Fact]
    public async Task A_requester_who_may_not_approve_keeps_watching_until_an_approver_decides()
    {
        var ct = TestContext.Current.CancellationToken;
        const string requester = "carol-token-71aa", approver = "dave-token-0b3c";
        var dir = SreCli.TempDirectory("sre-cli-roles");
        var config = TestConfig.Standard(db).Write(dir, $$"""
            sre.auth.tokens = [
              { sha256 = "{{AuthToken.Hash(requester)}}", principal = carol, roles = [requester] }
              { sha256 = "{{AuthToken.Hash(approver)}}", principal = dave, roles = [approver] }
            ]
            """);
        await using var sre = await SreTestServer.StartAsync(config, dir, cancellationToken: ct);

        await using var carol = CliProcess.Start(SreCli.Environment(sre.BaseUrl, token: requester), "diagnose", "Diagnose prod", "--env", "prod", "--approve");
        await carol.WaitForOutputAsync("Waiting for an approver", ct);
        Assert.Contains("'carol' may not approve sessions", carol.Stdout);
        var id = System.Text.RegularExpressions.Regex.Match(carol.Stdout, @"session (s-[0-9a-f]+)").Groups[1].Value;

        var dave = await SreCli.RunAsync(SreCli.Environment(sre.BaseUrl, token: approver), null, "approve", id);
        Assert.True(dave.Exit == 0, dave.ToString());

        Assert.Equal(0, await carol.WaitForExitAsync());
        Assert.Contains("✓ approved by dave", carol.Stdout);
        Assert.Contains("## Root cause", carol.Stdout);
    }
}
