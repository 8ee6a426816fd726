using System.Text.Json;
using Sre.Host.Tests.Support;
using Sre.Testing;

namespace Sre.Host.Tests.ClientCli;

/// <summary>Runs the built `sre` client commands as a user's shell would: a clean environment (no
/// inherited SRE_TOKEN, no colour unless asked), a private hook state directory, stdin piped.</summary>
public static class SreCli
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static Dictionary<string, string?> Environment(string? server, string? stateDirectory = null, string? token = null) => new()
    {
        ["SRE_URL"] = server ?? "",
        ["SRE_TOKEN"] = token ?? "",
        ["SRE_CONVERSATION_ID"] = "",
        ["SRE_STATE_DIR"] = stateDirectory ?? TempDirectory("sre-state"),
        ["NO_COLOR"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    public static string TempDirectory(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 11)]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A loopback URL where nothing listens.</summary>
    public static string DeadServer() => $"http://127.0.0.1:{FreePort.Next()}";

    public sealed record Result(int Exit, string Stdout, string Stderr)
    {
        public JsonElement Json => JsonDocument.Parse(Stdout).RootElement.Clone();

        public override string ToString() => $"exit {Exit}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    /// <summary>Runs `sre ARGS`, feeding <paramref name="stdin"/> and closing it.</summary>
    public static async Task<Result> RunAsync(IDictionary<string, string?> environment, string? stdin, params string[] args)
    {
        await using var process = SreProcess.Start(Path.GetTempPath(), environment, args);
        if (stdin is not null) await process.WriteInputAsync(stdin);
        process.CloseInput();
        var exit = await process.WaitForExitAsync(Timeout);
        return new Result(exit, process.Stdout, process.Stderr);
    }

    /// <summary>No stack trace, no unhandled exception: errors are for people.</summary>
    public static void AssertNoStackTrace(Result result)
    {
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stdout, StringComparison.Ordinal);
    }
}
