using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sre.Host.Mcp;

namespace Sre.Host.Hooks;

/// <summary>The little the Cursor hooks remember between processes, in a private directory
/// ($SRE_STATE_DIR, else $XDG_STATE_HOME/sre/cursor, else ~/.local/state/sre/cursor; mode 0700):
/// fingerprints (SHA-256, never the text) of each conversation's latest prompts, so before-mcp can
/// tell whether an approval quotes the user; and short-lived hand-offs that tell `sre mcp` which
/// conversation a diagnose call came from.</summary>
public sealed class HookState(string directory)
{
    public const string DirectoryVariable = "SRE_STATE_DIR";
    private const int PromptsKept = 5;
    private static readonly TimeSpan StaleAfter = TimeSpan.FromDays(7);

    public string Directory { get; } = directory;

    /// <summary>One user message: when, its fingerprint, and the agent generation it started.</summary>
    public sealed record PromptRecord(DateTimeOffset At, string Fingerprint, string? GenerationId = null);

    private sealed record PromptFile(string ConversationId, List<PromptRecord> Prompts);

    private sealed record HandOffFile(string ConversationId, DateTimeOffset At);

    public static HookState Default(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var explicitDir = environment(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(explicitDir)) return new HookState(explicitDir);
        var xdg = environment("XDG_STATE_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg) ? xdg
            : OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return new HookState(Path.Combine(root, "sre", "cursor"));
    }

    public void RecordPrompt(string conversationId, string prompt, string? generationId, DateTimeOffset at)
    {
        var file = Read<PromptFile>(PromptPath(conversationId)) ?? new PromptFile(conversationId, []);
        var prompts = file.Prompts.Append(new PromptRecord(at, ApprovalConfirmation.Fingerprint(prompt), generationId)).TakeLast(PromptsKept).ToList();
        Write(PromptPath(conversationId), file with { Prompts = prompts });
        PruneStale();
    }

    public PromptRecord? LatestPrompt(string conversationId) =>
        Read<PromptFile>(PromptPath(conversationId))?.Prompts.OrderBy(p => p.At).LastOrDefault();

    public void Forget(string conversationId)
    {
        TryDelete(PromptPath(conversationId));
    }

    /// <summary>before-mcp saw a diagnose call from this conversation.</summary>
    public void HandOff(string key, string conversationId, DateTimeOffset at)
    {
        Write(Path.Combine(Directory, $"handoff-{key}.json"), new HandOffFile(conversationId, at));
        PruneStale();
    }

    /// <summary>`sre mcp` claims the hand-off for the same call (same arguments), if it is fresh.</summary>
    public string? TakeHandOff(string key, TimeSpan maxAge, DateTimeOffset now)
    {
        var path = Path.Combine(Directory, $"handoff-{key}.json");
        var file = Read<HandOffFile>(path);
        if (file is null) return null;
        TryDelete(path);
        return now - file.At <= maxAge ? file.ConversationId : null;
    }

    /// <summary>The same key on both sides of a diagnose call: its problem and environment.</summary>
    public static string DiagnoseKey(string? problem, string? environment) =>
        Hash($"diagnose\n{(problem ?? "").Trim()}\n{(environment ?? "").Trim().ToLowerInvariant()}")[..32];

    private string PromptPath(string conversationId) => Path.Combine(Directory, $"prompts-{Hash(conversationId)[..24]}.json");

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    private static T? Read<T>(string path) where T : class
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Sre.Tools.Json.SreJson.Options) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void Write<T>(string path, T value)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(Directory);
            else System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var temp = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(value, Sre.Tools.Json.SreJson.Options));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Hand-offs nobody claimed (an /mcp call, a refused one) and conversations untouched
    /// for a week are deleted.</summary>
    private void PruneStale()
    {
        try
        {
            foreach (var f in new DirectoryInfo(Directory).EnumerateFiles("*.json"))
            {
                var age = DateTime.UtcNow - f.LastWriteTimeUtc;
                if (age > StaleAfter || (f.Name.StartsWith("handoff-", StringComparison.Ordinal) && age > TimeSpan.FromHours(1))) f.Delete();
            }
        }
        catch (IOException)
        {
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
