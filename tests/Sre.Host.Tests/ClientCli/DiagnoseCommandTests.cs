using System.Text.Json;
using Sre.Host.Tests.Api;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.ClientCli;

/// <summary>`sre diagnose` as a person runs it in a terminal or a script, against a real server and
/// a real PostgreSQL: the prompt, the decision, the agents as they run, the report, the exit code.</summary>
public sealed class DiagnoseCommandTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string Problem = "Diagnose the database connection failures in prod";
    private SreTestServer Sre => shared.Sre;

    [Fact]
    public async Task Piped_with_approve_it_shows_the_prompt_the_agents_the_findings_and_the_report_and_exits_0()
    {
        var result = await SreCli.RunAsync(SreCli.Environment(Sre.BaseUrl), null, "diagnose", Problem, "--env", "prod", "--approve");

        Assert.True(result.Exit == 0, result.ToString());
        var o = result.Stdout;
        Assert.Contains("Approval required", o);
        Assert.Contains(TestConfig.ProdDb, o);
        Assert.Contains("Approving (--approve).", o);
        Assert.Contains($"✓ approved by local: {TestConfig.ProdDb}", o);
        Assert.Contains("→ database on prod-db started", o);
        Assert.Matches(@"\[(info|warning|critical)\] database/prod-db \w+: ", o);
        Assert.Matches(@"✓ database on prod-db completed in \d+\.\d s, \d+ findings?", o);
        Assert.Contains("▸ completed", o);
        Assert.Contains("# Diagnosis: Diagnose the database connection failures in prod", o);
        Assert.Contains("## Root cause", o);
        // The order a person reads: prompt, approval, agent start, findings, agent end, report.
        int At(string text) => o.IndexOf(text, StringComparison.Ordinal);
        Assert.True(At("Approval required") < At("✓ approved") && At("✓ approved") < At("→ database") &&
            At("→ database") < At("] database/prod-db") && At("✓ database on prod-db completed") < At("# Diagnosis"), o);
        Assert.DoesNotContain('\u001b', o); // plain lines when piped
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task A_typed_y_approves_and_the_session_completes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var process = CliProcess.Start(SreCli.Environment(Sre.BaseUrl), "diagnose", Problem, "--env", "prod");
        await process.WaitForOutputAsync("Approve? [y/N] ", ct);
        await process.TypeAsync("y\n");
        var exit = await process.WaitForExitAsync();

        Assert.True(exit == 0, process.Stdout + process.Stderr);
        Assert.Contains("Approve? [y/N] y\n", process.Stdout);
        Assert.Contains("✓ approved by local", process.Stdout);
        Assert.Contains("## Root cause", process.Stdout);
    }

    [Fact]
    public async Task Json_prints_one_parseable_object_per_event_and_ends_with_the_exit()
    {
        var result = await SreCli.RunAsync(SreCli.Environment(Sre.BaseUrl), null, "diagnose", Problem, "--env", "prod", "--approve", "--json",
            "--context", "service=checkout-svc");

        Assert.True(result.Exit == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var names = lines.Select(l => l.GetProperty("event").GetString()).ToList();
        Assert.Equal("session", names[0]);
        Assert.Equal("exit", names[^1]);
        Assert.Contains("approval_required", names);
        Assert.Contains("decision", names);
        Assert.Contains("agent_started", names);
        Assert.Contains("finding", names);
        Assert.Contains("agent_completed", names);
        Assert.Contains("report", names);
        var exit = lines[^1].GetProperty("data");
        Assert.Equal("completed", exit.GetProperty("phase").GetString());
        Assert.Equal(0, exit.GetProperty("exitCode").GetInt32());
        var report = lines.Single(l => l.GetProperty("event").GetString() == "report").GetProperty("data");
        Assert.False(string.IsNullOrEmpty(report.GetProperty("rootCause").GetProperty("category").GetString()));
        // Stream events keep their journal ids, strictly increasing.
        var ids = lines.Where(l => l.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number).Select(l => l.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.Order(), ids);
    }

    [Fact]
    public async Task Deny_ends_the_session_denied_with_exit_3()
    {
        var result = await SreCli.RunAsync(SreCli.Environment(Sre.BaseUrl), null, "diagnose", Problem, "--env", "prod", "--deny", "--reason", "not during the freeze");

        Assert.Equal(3, result.Exit);
        Assert.Contains("✗ denied by local: not during the freeze", result.Stdout);
        Assert.Contains("ended denied", result.Stderr);
        Assert.DoesNotContain("# Diagnosis", result.Stdout);
    }

    [Fact]
    public async Task End_of_input_at_the_prompt_means_no_and_exits_3()
    {
        var result = await SreCli.RunAsync(SreCli.Environment(Sre.BaseUrl), "", "diagnose", Problem, "--env", "prod");

        Assert.Equal(3, result.Exit);
        Assert.Contains("No answer (end of input): denying", result.Stdout);
    }

    [Fact]
    public async Task Ctrl_C_at_the_prompt_cancels_the_session_and_exits_130()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var process = CliProcess.Start(SreCli.Environment(Sre.BaseUrl), "diagnose", Problem, "--env", "prod");
        await process.WaitForOutputAsync("Approve? [y/N] ", ct);
        var id = System.Text.RegularExpressions.Regex.Match(process.Stdout, @"session (s-[0-9a-f]+)").Groups[1].Value;

        process.Signal("INT");
        var exit = await process.WaitForExitAsync();

        Assert.Equal(130, exit);
        Assert.Contains($"Interrupted: cancelled session {id}.", process.Stdout);
        var status = await Sre.WaitForPhaseAsync(id, ct, "cancelled");
        Assert.Contains("Ctrl-C", status.GetProperty("endReason").GetString());
    }

    [Fact]
    public async Task An_unknown_environment_is_a_rejection_with_the_servers_words_and_exit_8()
    {
        var result = await SreCli.RunAsync(SreCli.Environment(Sre.BaseUrl), null, "diagnose", Problem, "--env", "prd", "--approve");

        Assert.Equal(8, result.Exit);
        Assert.Contains("Unknown environment 'prd'", result.Stderr);
        Assert.Contains("Known: prod, staging", result.Stderr);
        SreCli.AssertNoStackTrace(result);
    }

    [Fact]
    public async Task A_server_that_is_down_is_named_with_the_fix_and_exit_6()
    {
        var dead = SreCli.DeadServer();
        var result = await SreCli.RunAsync(SreCli.Environment(dead), null, "diagnose", Problem, "--approve");

        Assert.Equal(6, result.Exit);
        Assert.Contains($"Cannot reach the sre server at {dead} (connection refused)", result.Stderr);
        Assert.Contains("sre serve", result.Stderr);
        SreCli.AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Contradicting_flags_and_bad_context_are_usage_errors()
    {
        var both = await SreCli.RunAsync(SreCli.Environment(Sre.BaseUrl), null, "diagnose", Problem, "--approve", "--deny");
        Assert.Equal(1, both.Exit);
        Assert.Contains("contradict", both.Stderr);

        var context = await SreCli.RunAsync(SreCli.Environment(Sre.BaseUrl), null, "diagnose", Problem, "--context", "service");
        Assert.Equal(1, context.Exit);
        Assert.Contains("not key=value", context.Stderr);
    }
}
