using Sre.Host.Tests.Api;

namespace Sre.Host.Tests.ClientCli;

/// <summary>`sre diagnose` on a real pseudo-terminal (util-linux `script`): colours, the y/N question
/// answered by typing, the same transcript a person sees.</summary>
public sealed class TerminalTests(SharedServer shared) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task On_a_terminal_it_colours_the_view_and_takes_a_typed_y()
    {
        var ct = TestContext.Current.CancellationToken;
        var environment = SreCli.Environment(shared.Sre.BaseUrl);
        environment.Remove("NO_COLOR");
        environment["TERM"] = "xterm-256color";
        await using var process = CliProcess.StartOnTerminal(environment, "diagnose", "Diagnose the database connection failures in prod", "--env", "prod");

        await process.WaitForOutputAsync("Approve? [y/N] ", ct);
        await process.TypeAsync("y\r");
        var exit = await process.WaitForExitAsync();

        var text = process.Stdout;
        Assert.True(exit == 0, process.ToString());
        Assert.Contains("\u001b[1mApprove? [y/N] \u001b[0m", text, StringComparison.Ordinal);
        Assert.Contains("\u001b[32m✓\u001b[0m approved by local", text, StringComparison.Ordinal);
        Assert.Contains("\u001b[1mdatabase\u001b[0m on prod-db started", text, StringComparison.Ordinal);
        Assert.Contains("## Root cause", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NO_COLOR_keeps_a_terminal_plain()
    {
        var ct = TestContext.Current.CancellationToken;
        var environment = SreCli.Environment(shared.Sre.BaseUrl);
        environment["TERM"] = "xterm-256color";
        await using var process = CliProcess.StartOnTerminal(environment, "diagnose", "Diagnose the database in prod", "--env", "prod", "--approve");
        var exit = await process.WaitForExitAsync();

        Assert.True(exit == 0, process.ToString());
        // .NET itself may switch the terminal's keypad mode (ESC[?1h); colours (SGR, ESC[…m) must not appear.
        Assert.DoesNotMatch(@"\u001b\[[0-9;]*m", process.Stdout);
        Assert.Contains("✓ approved by local", process.Stdout, StringComparison.Ordinal);
    }
}
