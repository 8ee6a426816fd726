using System.Diagnostics;
using System.Text.Json;
using Sre.Actors.Directory;
using Sre.Actors.Sessions;
using Sre.Host.Configuration;
using Sre.Tools.Json;
using Sre.Tools.Model;
using Sre.Tools.Reports;

namespace Sre.Host.Http;

/// <summary>The session REST contract of API.md: diagnose, approve, status, report, cancel, sessions.</summary>
public static class SessionEndpoints
{
    public const int MaxProblemLength = 4000;

    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/diagnose", Diagnose);
        app.MapPost("/approve/{id}", Approve);
        app.MapPost("/cancel/{id}", Cancel);
        app.MapGet("/status/{id}", Status);
        app.MapGet("/report/{id}", Report);
        app.MapGet("/sessions", Sessions);
        return app;
    }

    private static IResult Json(object value, int status = StatusCodes.Status200OK) => Scrubbed.Json(value, status);

    private static async Task<IResult> Diagnose(HttpContext http, SessionGateway sessions, SreSettings settings)
    {
        var principal = RequestAuthentication.Of(http);
        if (!principal.Has(Principal.Requester))
            return Problems.Forbidden($"'{principal.Name}' may not start diagnoses", "Starting a diagnosis needs the 'requester' role.");

        var body = await JsonBody.ReadAsync<DiagnoseBody>(http.Request, required: true, settings.MaxBodyBytes);
        if (body.Problem is not null) return body.Problem;
        var request = body.Value!;

        var problem = request.Problem?.Trim();
        if (string.IsNullOrEmpty(problem))
            return Problems.BadRequest("Describe the problem", "'problem' is empty; say what is wrong, e.g. \"Diagnose the database connection failures in prod\".");
        if (problem.Length > MaxProblemLength)
            return Problems.BadRequest("The problem description is too long", $"Keep 'problem' under {MaxProblemLength} characters; put details in 'context'.");

        var names = settings.Catalog.Names;
        string environment;
        if (string.IsNullOrWhiteSpace(request.Environment))
        {
            if (names.Count != 1)
                return Problems.BadRequest("Say which environment to diagnose",
                    names.Count == 0 ? "This server has no environments configured (sre.environments)." : $"Set 'environment' to one of: {string.Join(", ", names)}.");
            environment = names[0];
        }
        else
        {
            var env = settings.Catalog.Find(request.Environment.Trim());
            if (env is null)
                return Problems.BadRequest($"Unknown environment '{request.Environment}'", $"Known: {string.Join(", ", names)}");
            environment = env.Name;
        }

        var context = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in request.Context ?? [])
        {
            if (value.ValueKind is JsonValueKind.Null) continue;
            if (value.ValueKind != JsonValueKind.String)
                return Problems.BadRequest($"Context field '{key}' must be a string", "Send context as {\"service\": \"…\", \"alert\": \"…\"}.");
            context[key] = value.GetString()!;
        }

        var conversation = request.ConversationId ?? http.Request.Headers["X-Sre-Conversation"].FirstOrDefault();
        var id = SessionGateway.NewId();
        var answer = await sessions.AskAsync(new SessionCommands.StartDiagnosis(id,
            new DiagnosisRequest(problem, environment, context.Count > 0 ? context : null),
            principal, conversation, Activity.Current?.Id), http.RequestAborted);
        if (answer.Problem is not null) return answer.Problem;
        var status = ((SessionReplies.StatusReply)answer.Reply!).Status;
        http.Response.Headers.Location = $"/status/{id}";
        return Json(new DiagnoseAccepted(id, status.Phase, SessionLinks.For(id)), StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Approve(string id, HttpContext http, SessionGateway sessions, SreSettings settings)
    {
        if (!SessionGateway.IsValidId(id)) return Problems.UnknownSession(id);
        var body = await JsonBody.ReadAsync<ApproveBody>(http.Request, required: true, settings.MaxBodyBytes);
        if (body.Problem is not null) return body.Problem;
        var request = body.Value!;
        if (request.Approved is null)
            return Problems.BadRequest("Say whether you approve", "Send {\"approved\": true} to approve (optionally with \"references\": [...]) or {\"approved\": false, \"reason\": \"…\"} to deny.");

        var principal = RequestAuthentication.Of(http);
        var client = request.Client ?? http.Request.Headers.UserAgent.ToString();
        ISessionCommand command = request.Approved.Value
            ? new SessionCommands.Approve(id, principal, request.References, string.IsNullOrEmpty(client) ? null : client, Activity.Current?.Id)
            : new SessionCommands.Deny(id, principal, request.Reason);
        var answer = await sessions.AskAsync(command, http.RequestAborted);
        return answer.Problem ?? Json(((SessionReplies.StatusReply)answer.Reply!).Status);
    }

    private static async Task<IResult> Cancel(string id, HttpContext http, SessionGateway sessions, SreSettings settings)
    {
        if (!SessionGateway.IsValidId(id)) return Problems.UnknownSession(id);
        var body = await JsonBody.ReadAsync<CancelBody>(http.Request, required: false, settings.MaxBodyBytes);
        if (body.Problem is not null) return body.Problem;
        var answer = await sessions.AskAsync(new SessionCommands.Cancel(id, RequestAuthentication.Of(http), body.Value?.Reason), http.RequestAborted);
        return answer.Problem ?? Json(((SessionReplies.StatusReply)answer.Reply!).Status);
    }

    private static async Task<IResult> Status(string id, HttpContext http, SessionGateway sessions)
    {
        if (!SessionGateway.IsValidId(id)) return Problems.UnknownSession(id);
        var answer = await sessions.AskAsync(new SessionCommands.GetStatus(id), http.RequestAborted);
        return answer.Problem ?? Json(((SessionReplies.StatusReply)answer.Reply!).Status);
    }

    private static async Task<IResult> Report(string id, HttpContext http, SessionGateway sessions)
    {
        if (!SessionGateway.IsValidId(id)) return Problems.UnknownSession(id);
        var answer = await sessions.AskAsync(new SessionCommands.GetReport(id), http.RequestAborted);
        if (answer.Problem is not null) return answer.Problem;
        var report = ((SessionReplies.ReportReply)answer.Reply!).Report;
        var wantsMarkdown = http.Request.Query["format"] is var f && (f == "md" || f == "markdown")
            || http.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/markdown", StringComparison.OrdinalIgnoreCase));
        return wantsMarkdown
            ? Scrubbed.Markdown(ReportMarkdown.Render(report))
            : Json(report);
    }

    private static async Task<IResult> Sessions(HttpContext http, SessionDirectory directory)
    {
        var query = http.Request.Query;
        string? phase = query["phase"];
        if (phase is not null && !SessionPhaseExtensions.TryParseWire(phase, out _))
            return Problems.BadRequest($"Unknown phase '{phase}'",
                $"Use one of: {string.Join(", ", Enum.GetValues<SessionPhase>().Select(p => p.ToWire()))}.");
        var limit = 50;
        if (query["limit"] is { Count: > 0 } l && (!int.TryParse(l, out limit) || limit is < 1 or > 1000))
            return Problems.BadRequest("'limit' must be a number from 1 to 1000", $"Got '{l}'.");
        await directory.Loaded.WaitAsync(TimeSpan.FromSeconds(10), http.RequestAborted);
        var principal = RequestAuthentication.Of(http);
        // Requesters without approver/admin rights see their own sessions only.
        var onlyOwn = !principal.Has(Principal.Approver) ? principal.Name : null;
        var sessions = directory.List(phase, limit, query["conversation"].FirstOrDefault(), onlyOwn);
        return Json(new { sessions });
    }
}
