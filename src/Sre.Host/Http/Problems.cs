using Microsoft.AspNetCore.Http.HttpResults;
using Sre.Actors.Sessions;

namespace Sre.Host.Http;

/// <summary>RFC 9457 problem details with titles a person can act on.</summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string title, string? detail = null) =>
        TypedResults.Problem(title: Scrubbed.Text(title), detail: detail is null ? null : Scrubbed.Text(detail), statusCode: status);

    public static ProblemHttpResult BadRequest(string title, string? detail = null) => Of(StatusCodes.Status400BadRequest, title, detail);

    public static ProblemHttpResult NotFound(string title, string? detail = null) => Of(StatusCodes.Status404NotFound, title, detail);

    public static ProblemHttpResult Conflict(string title, string? detail = null) => Of(StatusCodes.Status409Conflict, title, detail);

    public static ProblemHttpResult Forbidden(string title, string? detail = null) => Of(StatusCodes.Status403Forbidden, title, detail);

    public static ProblemHttpResult Unavailable(string title, string? detail = null) => Of(StatusCodes.Status503ServiceUnavailable, title, detail);

    public static ProblemHttpResult UnknownSession(string id) =>
        NotFound($"Unknown session '{id}'", "No diagnosis session has this id. List sessions with GET /sessions.");

    public static ProblemHttpResult From(SessionReplies.Rejected rejected) => rejected.Kind switch
    {
        RejectionKind.NotFound => NotFound(rejected.Title, rejected.Detail),
        RejectionKind.Conflict => Conflict(rejected.Title, rejected.Detail),
        RejectionKind.Forbidden => Forbidden(rejected.Title, rejected.Detail),
        _ => BadRequest(rejected.Title, rejected.Detail),
    };
}
