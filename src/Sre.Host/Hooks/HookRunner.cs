using Sre.Host.Client;

namespace Sre.Host.Hooks;

/// <summary>Runs one Cursor hook: read stdin (bounded), decide, write one JSON object on stdout, exit.
/// Nothing escapes as a stack trace: malformed input, a bad SRE_URL, a server that is down or slow,
/// a bug — each still yields a valid answer, and the safe one (an approve is denied, anything else
/// allowed with a message saying what is wrong). Every HTTP call is bounded (3 s by default) and the
/// whole hook by <see cref="Budget"/>, well under Cursor's hook timeout.</summary>
public static class HookRunner
{
    public const string SessionStart = "session-start";
    public const string BeforeMcp = "before-mcp";
    public const string BeforePrompt = "before-prompt";
    public const string Stop = "stop";
    public const string SessionEnd = "session-end";

    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan StdinLimit = TimeSpan.FromSeconds(2);

    public sealed record Settings(string? Server, string? Token, TimeSpan CallTimeout, bool StopAlways);

    public static async Task<int> RunAsync(string hook, Settings settings, TextReader stdin, TextWriter stdout, TextWriter log)
    {
        var raw = await ReadAllAsync(stdin, StdinLimit);
        HookAnswer answer;
        try
        {
            answer = await DecideAsync(hook, settings, raw, log);
        }
        catch (Exception e)
        {
            log.WriteLine($"sre hook {hook}: {e.GetType().Name}: {e.Message}");
            answer = FailSafe(hook, raw, $"the sre hook failed ({e.Message})", server: settings.Server);
        }
        await stdout.WriteLineAsync(answer.ToJson());
        await stdout.FlushAsync();
        return answer.ExitCode;
    }

    private static async Task<HookAnswer> DecideAsync(string hook, Settings settings, string? raw, TextWriter log)
    {
        if (raw is null) return FailSafe(hook, null, "Cursor's hook input did not arrive on stdin in time", server: settings.Server);
        HookInput input;
        try
        {
            input = HookInput.Parse(raw);
        }
        catch (FormatException e)
        {
            return FailSafe(hook, raw, $"could not read Cursor's hook input: {e.Message}", server: settings.Server);
        }

        SreClientOptions options;
        try
        {
            options = SreClientOptions.Resolve(settings.Server, settings.Token) with { RequestTimeout = settings.CallTimeout, ClientName = "cursor-hook" };
        }
        catch (SreClientException e)
        {
            return FailSafe(hook, raw, e.Message, input, settings.Server);
        }

        using var client = new SreClient(options);
        using var deadline = new CancellationTokenSource(Budget);
        var context = new HookContext { Input = input, Client = client, State = HookState.Default(), Deadline = deadline.Token, Log = log };
        try
        {
            return hook switch
            {
                SessionStart => await SessionStartHook.RunAsync(context),
                BeforeMcp => await BeforeMcpHook.RunAsync(context),
                BeforePrompt => BeforePromptHook.Run(context),
                Stop => await StopHook.RunAsync(context, settings.StopAlways, conversationEnded: false),
                SessionEnd => await StopHook.RunAsync(context, settings.StopAlways, conversationEnded: true),
                _ => throw new ArgumentOutOfRangeException(nameof(hook), hook, "unknown hook"),
            };
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return FailSafe(hook, raw, $"the sre server did not answer within the hook's {Budget.TotalSeconds:0} s", input, settings.Server);
        }
    }

    /// <summary>The safe answer when the hook cannot do its job.</summary>
    public static HookAnswer FailSafe(string hook, string? raw, string reason, HookInput? input = null, string? server = null)
    {
        switch (hook)
        {
            case BeforeMcp:
                // Without a readable tool name, anything that mentions approve is treated as one.
                var approve = input?.ToolName is not null
                    ? SreToolCall.Recognize(input, new Uri(SreClientOptions.DefaultServer)) is { IsApprove: true }
                    : raw is null || raw.Contains("approve", StringComparison.OrdinalIgnoreCase);
                return approve
                    ? HookAnswer.Deny($"sre: blocked an approval: {reason}.", $"The approval was blocked ({reason}). Ask the user to approve from a terminal with `sre approve <session id>`.")
                    : HookAnswer.Allow($"sre: {reason}; the call was allowed but not audited.");
            case SessionStart:
                var url = new[] { server, Environment.GetEnvironmentVariable(SreClientOptions.ServerVariable) }.FirstOrDefault(u => !string.IsNullOrWhiteSpace(u))
                    ?? SreClientOptions.DefaultServer;
                return HookAnswer.SessionStart(new Dictionary<string, string> { [SreClientOptions.ServerVariable] = url },
                    $"The sre diagnosis tools may not work right now: {reason}. Tell the user before diagnosing.", $"sre: {reason}");
            case BeforePrompt:
                return HookAnswer.Continue();
            default:
                return HookAnswer.Empty();
        }
    }

    private static async Task<string?> ReadAllAsync(TextReader stdin, TimeSpan limit)
    {
        // Console.In reads synchronously: on a thread of its own, so a stdin never closed cannot hang us.
        var read = Task.Run(stdin.ReadToEnd);
        var done = await Task.WhenAny(read, Task.Delay(limit));
        return done == read ? await read : null;
    }
}
