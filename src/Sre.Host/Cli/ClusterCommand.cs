using System.CommandLine;
using System.Text.Json;
using Sre.Host.Client;
using Sre.Tools.Json;

namespace Sre.Host.Cli;

/// <summary>`sre cluster status|members|shards|leave ADDRESS`: operations over the admin API
/// (what Petabridge.Cmd would give, which our registry does not serve).</summary>
public static class ClusterCommand
{
    public static Command Create()
    {
        var command = new Command("cluster", "Cluster operations (admin token needed when the server has tokens)")
        {
            View("status", "Who leads, how many members are up, what is unreachable", PrintStatus),
            View("members", "Every member with its roles and status", PrintMembers),
            View("shards", "Session shards and entities per node", PrintShards),
            Leave(),
        };
        return command;
    }

    private static Command View(string name, string description, Action<TextWriter, JsonElement> print)
    {
        var json = new Option<bool>("--json") { Description = "Print the server's JSON" };
        var command = new Command(name, description) { json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var terminal = Terminal.FromConsole();
            return ClientConnection.RunAsync(terminal, async () =>
            {
                using var client = new SreClient(connection.Resolve(parse));
                var state = await client.ClusterAsync(ct);
                if (parse.GetValue(json)) terminal.Out.WriteLine(JsonSerializer.Serialize(state, SreJson.Indented));
                else print(terminal.Out, state);
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command Leave()
    {
        var address = new Argument<string>("address") { Description = "The member's address, e.g. akka.tcp://sre@10.0.0.7:4053 (akka.ssl.tcp:// with sre.cluster.tls)" };
        var command = new Command("leave", "Make a member leave the cluster gracefully (its shards hand off first)") { address };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var terminal = Terminal.FromConsole();
            return ClientConnection.RunAsync(terminal, async () =>
            {
                using var client = new SreClient(connection.Resolve(parse));
                var answer = await client.LeaveAsync(parse.GetValue(address)!, ct);
                terminal.Out.WriteLine($"{answer.GetProperty("leaving").GetString()} is leaving the cluster.");
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static void PrintStatus(TextWriter o, JsonElement s)
    {
        var members = s.GetProperty("members").EnumerateArray().ToList();
        o.WriteLine($"self:   {s.GetProperty("self").GetString()}");
        o.WriteLine($"leader: {(s.TryGetProperty("leader", out var l) ? l.GetString() : "(none)")}");
        o.WriteLine($"members: {members.Count} ({string.Join(", ", members.GroupBy(m => m.GetProperty("status").GetString()).Select(g => $"{g.Count()} {g.Key}"))})");
        var unreachable = s.GetProperty("unreachable").EnumerateArray().Select(u => u.GetString()).ToList();
        o.WriteLine(unreachable.Count == 0 ? "unreachable: none" : $"unreachable: {string.Join(", ", unreachable)}");
    }

    private static void PrintMembers(TextWriter o, JsonElement s)
    {
        foreach (var m in s.GetProperty("members").EnumerateArray())
            o.WriteLine($"{m.GetProperty("address").GetString(),-40} {m.GetProperty("status").GetString(),-8} {string.Join(",", m.GetProperty("roles").EnumerateArray().Select(r => r.GetString()))}");
    }

    private static void PrintShards(TextWriter o, JsonElement s)
    {
        var shards = s.GetProperty("shards").EnumerateArray().ToList();
        if (shards.Count == 0) o.WriteLine("No shard statistics (no region answered in time).");
        foreach (var r in shards)
            o.WriteLine($"{r.GetProperty("region").GetString()}  {r.GetProperty("node").GetString(),-40} {r.GetProperty("shards").GetInt32()} shards, {r.GetProperty("entities").GetInt32()} sessions");
    }
}
