using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Sre.Actors.Hosting;
using Sre.Host.Configuration;
using Sre.Tools.Secrets;
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
        app.MapPost("/audit", RecordToolCall);
        app.MapGet("/environments", Environments);
        app.MapGet("/cluster", ClusterState);
        app.MapPost("/cluster/leave", Leave);
        return app;
    }

    private static async Task<IResult> Ready(ReadinessProbe probe, HttpContext http)
    {
        var r = await probe.CheckAsync(http.RequestAborted);
        return Results.Json(new { status = r.Ready ? "ready" : "not_ready", checks = r.Checks, failing = r.Failing, warnings = r.Warnings }, SreJson.Options,
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
        if (!jsonLines) return Scrubbed.Json(new { records });
        var text = new StringBuilder();
        foreach (var r in records) text.Append(JsonSerializer.Serialize(r, SreJson.Options)).Append('\n');
        return Results.Text(Scrubbed.Text(text.ToString()), "application/x-ndjson; charset=utf-8");
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

    /// <summary>A client-side event worth auditing (a Cursor hook reporting an MCP tool call).</summary>
    public sealed record ClientAuditBody(string? Kind, string? SessionId, string? Detail, string? Client, string? ConversationId);

    /// <summary>POST /audit: clients (the Cursor hooks) append what they saw; only client-side kinds
    /// are accepted, so nobody can forge an approval or a lease record.</summary>
    private static async Task<IResult> RecordToolCall(HttpContext http, Akka.Hosting.IRequiredActor<AuditLogKey> audit, SreSettings settings)
    {
        var body = await JsonBody.ReadAsync<ClientAuditBody>(http.Request, required: true, settings.MaxBodyBytes);
        if (body.Problem is not null) return body.Problem;
        var record = body.Value!;
        if (record.Kind is not Sre.Actors.Audit.AuditKind.ToolCall)
            return Problems.BadRequest($"Clients may only record '{Sre.Actors.Audit.AuditKind.ToolCall}' events", $"Got kind '{record.Kind}'.");
        if (string.IsNullOrWhiteSpace(record.Detail))
            return Problems.BadRequest("Say what happened", "'detail' is empty.");
        if (record.SessionId is not null && !SessionGateway.IsValidId(record.SessionId))
            return Problems.BadRequest($"'{record.SessionId}' is not a session id");
        var principal = RequestAuthentication.Of(http);
        var detail = record.ConversationId is null ? record.Detail : $"{record.Detail} (conversation {record.ConversationId})";
        audit.ActorRef.Tell(new Sre.Actors.Audit.AuditRecord(Sre.Actors.Audit.AuditKind.ToolCall, DateTimeOffset.UtcNow, record.SessionId, principal.Name, null,
            record.Client ?? http.Request.Headers.UserAgent.ToString(), SecretRedactor.Shared.Redact(detail)));
        return Results.Json(new { recorded = true }, SreJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>GET /environments: names and targets (never credentials' values) for clients that
    /// offer a choice, such as the Cursor session-start hook.</summary>
    private static IResult Environments(SreSettings settings) => Results.Json(new
    {
        environments = settings.Catalog.Names.Select(n => settings.Catalog.Find(n)!).Select(e => new
        {
            name = e.Name,
            targets = e.Targets.Select(t => new { name = t.Name, kind = t.Kind, agent = t.Agent, credential = t.Credential }),
        }),
    }, SreJson.Options);
}
