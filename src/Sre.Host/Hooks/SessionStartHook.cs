using System.Text;
using Sre.Host.Client;
using Sre.Host.Mcp;

namespace Sre.Host.Hooks;

/// <summary>sessionStart: is the server there, is its secret provider (1Password Connect) healthy,
/// which environments can be diagnosed — told to the agent as context, with SRE_URL and the
/// conversation id exported to the session's later hooks. Never blocks a session.</summary>
public static class SessionStartHook
{
    public static async Task<HookAnswer> RunAsync(HookContext context)
    {
        var server = context.Server.ToString().TrimEnd('/');
        var ready = Try(() => context.Client.ReadinessAsync(context.Deadline));
        var environments = Try(() => context.Client.EnvironmentsAsync(context.Deadline));
        await Task.WhenAll(ready, environments);

        var problems = new List<string>();
        var facts = new List<string>();
        var (readiness, readyError) = ready.Result;
        var (envs, envError) = environments.Result;
        if (readyError is not null && envError is not null && readyError.Kind is SreErrorKind.Unreachable or SreErrorKind.Timeout)
        {
            problems.Add($"{readyError.Message}");
        }
        else
        {
            if (readiness is not null)
            {
                var secrets = readiness.Checks.GetValueOrDefault("secrets");
                if (!readiness.Ready)
                {
                    problems.Add($"The sre server at {server} is not ready: {string.Join("; ", readiness.Checks.Where(c => readiness.Failing.Contains(c.Key)).Select(c => $"{c.Key}: {c.Value}"))}." +
                        (readiness.Failing.Contains("secrets") ? " Until the secret provider (1Password Connect) answers, approved diagnoses cannot fetch credentials." : ""));
                }
                else if (secrets is not null) facts.Add($"Secrets: {secrets}.");
                problems.AddRange(readiness.Warnings);
            }
            else if (readyError is not null) problems.Add($"Could not check the server's readiness: {readyError.Message}");

            if (envs is not null)
            {
                facts.Insert(0, envs.Count == 0
                    ? "The server has no environments configured (sre.environments)."
                    : "Environments: " + string.Join("; ", envs.Select(e => $"{e.Name} ({string.Join(", ", (e.Targets ?? []).Select(t => $"{t.Name}: {t.Kind}"))})")) + ".");
            }
            else if (envError is not null) problems.Add(envError.Kind is SreErrorKind.Unauthorized or SreErrorKind.Forbidden
                ? $"{envError.Message} (set SRE_TOKEN in the environment Cursor starts from)"
                : $"Could not list environments: {envError.Message}");
        }

        var conversation = context.Input.ConversationId;
        var text = new StringBuilder();
        text.AppendLine($"SRE incident diagnosis is available through the `sre` MCP tools (server {server}).");
        foreach (var f in facts) text.AppendLine(f);
        if (conversation is not null)
            text.AppendLine($"This conversation's id is \"{conversation}\": pass it as `conversationId` to `diagnose` and `list_sessions`.");
        text.AppendLine("How to diagnose: call `diagnose` with the user's problem and environment. It returns an approval prompt listing the " +
            "credentials (1Password references) the agents need: show it to the user word for word and ask them to approve or deny. " +
            "Approval is the user's decision alone: call `approve` only after the user replies approving (e.g. \"approve s-…\"), passing their reply " +
            "verbatim as `confirmation`; a hook checks it is the user's own latest message. If they decline, call `deny`. " +
            "Then call `wait_for_report` and show the report.");
        if (problems.Count > 0)
        {
            text.AppendLine("Problems right now (tell the user before diagnosing):");
            foreach (var p in problems) text.AppendLine($"- {p}");
        }

        var env = new Dictionary<string, string> { [SreClientOptions.ServerVariable] = server };
        if (conversation is not null) env[SreMcpServer.ConversationVariable] = conversation;
        return HookAnswer.SessionStart(env, text.ToString().TrimEnd(), problems.Count == 0 ? null : "sre: " + string.Join(" ", problems));
    }

    private static async Task<(T? Value, SreClientException? Error)> Try<T>(Func<Task<T>> call) where T : class
    {
        try
        {
            return (await call(), null);
        }
        catch (SreClientException e)
        {
            return (null, e);
        }
    }
}
