using System.Diagnostics;
using System.Text.Json;
using Sre.Host.Tests.ClientCli;

namespace Sre.Host.Tests.Hooks;

/// <summary>The .cursor files in the repository are what Cursor will run: their commands exist, and
/// the wrapper answers Cursor even before anything is built.</summary>
public sealed class ShippedCursorFilesTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sre.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    [Fact]
    public void Hooks_json_runs_an_sre_hook_for_each_event_this_integration_needs()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root(), ".cursor", "hooks.json")));
        Assert.Equal(1, doc.RootElement.GetProperty("version").GetInt32());
        var hooks = doc.RootElement.GetProperty("hooks");
        string Command(string hookEvent) => Assert.Single(hooks.GetProperty(hookEvent).EnumerateArray()).GetProperty("command").GetString()!;
        Assert.Equal(".cursor/sre hook session-start", Command("sessionStart"));
        Assert.Equal(".cursor/sre hook before-prompt", Command("beforeSubmitPrompt"));
        Assert.Equal(".cursor/sre hook before-mcp", Command("beforeMCPExecution"));
        Assert.Equal(".cursor/sre hook stop", Command("stop"));
        Assert.Equal(".cursor/sre hook session-end", Command("sessionEnd"));
    }

    [Fact]
    public void Mcp_json_has_a_stdio_entry_running_sre_mcp_and_an_http_entry()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root(), ".cursor", "mcp.json")));
        var servers = doc.RootElement.GetProperty("mcpServers");
        Assert.Equal("${workspaceFolder}/.cursor/sre", servers.GetProperty("sre").GetProperty("command").GetString());
        Assert.Equal(["mcp"], servers.GetProperty("sre").GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.EndsWith("/mcp", servers.GetProperty("sre-http").GetProperty("url").GetString());
        Assert.StartsWith("Bearer ", servers.GetProperty("sre-http").GetProperty("headers").GetProperty("Authorization").GetString());
    }

    [Fact]
    public async Task The_wrapper_runs_this_clones_build()
    {
        var result = await RunAsync(Path.Combine(Root(), ".cursor", "sre"), ["hook", "before-prompt"], CursorInputs.BeforeSubmitPrompt("c-wrapper", "hello"));
        Assert.Equal(0, result.Exit);
        Assert.Equal("{\"continue\":true}", result.Stdout.Trim());
    }

    [Fact]
    public async Task Unbuilt_the_wrapper_still_answers_and_denies_approvals()
    {
        var clone = SreCli.TempDirectory("sre-unbuilt");
        Directory.CreateDirectory(Path.Combine(clone, ".cursor"));
        var wrapper = Path.Combine(clone, ".cursor", "sre");
        File.Copy(Path.Combine(Root(), ".cursor", "sre"), wrapper);
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);

        var approve = await RunAsync(wrapper, ["hook", "before-mcp"], CursorInputs.BeforeMcp("c-1", "approve", new { sessionId = "s-0123456789ab", confirmation = "approve" }));
        Assert.Equal(2, approve.Exit);
        Assert.Equal("deny", JsonDocument.Parse(approve.Stdout).RootElement.GetProperty("permission").GetString());

        var status = await RunAsync(wrapper, ["hook", "before-mcp"], CursorInputs.BeforeMcp("c-1", "status", new { sessionId = "s-0123456789ab" }));
        Assert.Equal(0, status.Exit);
        Assert.Contains("dotnet build", JsonDocument.Parse(status.Stdout).RootElement.GetProperty("user_message").GetString());

        var start = await RunAsync(wrapper, ["hook", "session-start"], CursorInputs.SessionStart("c-1"));
        Assert.Contains("unavailable", JsonDocument.Parse(start.Stdout).RootElement.GetProperty("additional_context").GetString());
    }

    private static async Task<SreCli.Result> RunAsync(string file, string[] args, string stdin)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // PATH without any installed sre, so this clone's build or the wrapper's own fallback runs.
        psi.Environment["PATH"] = string.Join(':', (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
            .Where(d => !File.Exists(Path.Combine(d, "sre"))));
        foreach (var (k, v) in SreCli.Environment(SreCli.DeadServer())) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(SreCli.Timeout);
        await process.WaitForExitAsync(timeout.Token);
        return new SreCli.Result(process.ExitCode, await stdout, await stderr);
    }
}
