using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Sre.Actors.Hosting;
using Sre.Actors.Sessions;
using Sre.Tools.Json;
using Sre.Tools.Model;

namespace Sre.Host.Http;

/// <summary>Operations: health probes, the audit trail, cluster membership and shards.</summary>
public static class OpsEndpoints
{
    public static IEndpointRouteBuilder MapOpsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Json(new { status = "live" }));
        app.MapGet("/health/ready", Ready);
        app.MapGet("/audit", Audit);
        app.MapGet("/cluster", ClusterState);
        app.MapPost("/cluster/leave", Leave);
        return app;
    }

    private static async Task<IResult> Ready(ReadinessProbe probe, HttpContext http)
    {
        var r = await probe.CheckAsync(http.RequestAborted);
        return Results.Json(new { status = r.Ready ? "ready" : "not_ready", checks = r.Checks, warnings = r.Warnings }, SreJson.Options,
            statusCode: r.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> Audit(HttpContext http, AuditReader audit, SessionGateway sessions)
    {
        var principal = RequestAuthentication.Of(http);
        var query = http.Request.Query;
        string? session = query["session"];
        DateTimeOffset? since = null;
        if (query["since"] is { Count: > 0 } s)
        {
            if (!DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
                return Problems.BadRequest($"'since' must be a timestamp", $"Got '{s}'; use ISO 8601, e.g. 2026-11-23T20:00:00Z.");
            since = parsed;
        }

        if (!principal.Has(Principal.Admin))
        {
            // Non-admins may read the trail of a session they requested or approved.
            if (session is null || !SessionGateway.IsValidId(session))
                return Problems.Forbidden("Reading the whole audit trail needs the 'admin' role", "Ask for one of your sessions with ?session=ID.");
            var answer = await sessions.AskAsync(new SessionCommands.GetStatus(session), http.RequestAborted);
            if (answer.Problem is not null) return answer.Problem;
            var status = ((SessionReplies.StatusReply)answer.Reply!).Status;
            var involved = status.Requester == principal.Name || status.Approvals.Any(a => a.Principal == principal.Name);
            if (!involved)
                return Problems.Forbidden($"'{principal.Name}' may not read the audit trail of session '{session}'", "Only admins and the session's requester or approvers may.");
        }

        var records = await audit.ReadAsync(session, since, http.RequestAborted);
        var jsonLines = query["format"] == "jsonl" || http.Request.Headers.Accept.Any(a => a?.Contains("ndjson", StringComparison.OrdinalIgnoreCase) == true);
        if (!jsonLines) return Results.Json(new { records }, SreJson.Options);
        var text = new StringBuilder();
        foreach (var r in records) text.Append(JsonSerializer.Serialize(r, SreJson.Options)).Append('\n');
        return Results.Text(text.ToString(), "application/x-ndjson; charset=utf-8");
    }

    private static async Task<IResult> ClusterState(HttpContext http, ActorSystem system, Akka.Hosting.IRequiredActor<SessionRegion> region)
    {
        var principal = RequestAuthentication.Of(http);
        if (!principal.Has(Principal.Admin)) return Problems.Forbidden("Cluster state needs the 'admin' role");
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        object shards;
        try
        {
            var stats = await region.ActorRef.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(3)), TimeSpan.FromSeconds(5), http.RequestAborted);
            shards = stats.Regions.Select(r => new
            {
                region = "session",
                node = r.Key.ToString(),
                shards = r.Value.Stats.Count,
                entities = r.Value.Stats.Values.Sum(),
            }).ToList();
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            shards = Array.Empty<object>();
        }
        return Results.Json(new
        {
            self = cluster.SelfAddress.ToString(),
            leader = state.Leader?.ToString(),
            members = state.Members.Select(m => new { address = m.Address.ToString(), roles = m.Roles, status = m.Status.ToString().ToLowerInvariant() }),
            unreachable = state.Unreachable.Select(m => m.Address.ToString()),
            shards,
        }, SreJson.Options);
    }

    private static async Task<IResult> Leave(HttpContext http, ActorSystem system)
    {
        var principal = RequestAuthentication.Of(http);
        if (!principal.Has(Principal.Admin)) return Problems.Forbidden("Removing a member needs the 'admin' role");
        var body = await JsonBody.ReadAsync<LeaveBody>(http.Request, required: true, 4096);
        if (body.Problem is not null) return body.Problem;
        var cluster = Cluster.Get(system);
        var member = cluster.State.Members.FirstOrDefault(m => m.Address.ToString() == body.Value!.Address);
        if (member is null)
            return Problems.NotFound($"No cluster member '{body.Value!.Address}'", $"Members: {string.Join(", ", cluster.State.Members.Select(m => m.Address))}");
        cluster.Leave(member.Address);
        return Results.Json(new { leaving = member.Address.ToString() });
    }

    public sealed record LeaveBody(string? Address);
}
