using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Sre.Tools.Json;

namespace Sre.Host.Http;

/// <summary>Reads a JSON request body and turns every way it can be wrong into a clear 4xx:
/// malformed JSON (with the position), a body over the size limit, a non-JSON content type.</summary>
public static class JsonBody
{
    public sealed record Result<T>(T? Value, ProblemHttpResult? Problem);

    public static async Task<Result<T>> ReadAsync<T>(HttpRequest request, bool required, long limit) where T : class
    {
        var contentType = request.ContentType;
        if (contentType is not null && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
            return new(null, Unread(request, Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Send the request body as JSON",
                $"Content-Type was '{contentType}'; use 'application/json'.")));
        if (request.ContentLength > limit)
            return new(null, Unread(request, TooLarge(limit)));

        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
            if (buffer.Length > limit) return new(null, Unread(request, TooLarge(limit)));
            if (buffer.Length == 0 || buffer.ToArray().All(b => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
            {
                return required
                    ? new(null, Problems.BadRequest("The request body is empty", "Send a JSON object; see the API for its fields."))
                    : new(null, null);
            }
            buffer.Position = 0;
            var value = await JsonSerializer.DeserializeAsync<T>(buffer, SreJson.Options, request.HttpContext.RequestAborted);
            if (value is null)
                return new(null, Problems.BadRequest("The request body must be a JSON object", "Got 'null'."));
            return new(value, null);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, position {e.BytePositionInLine + 1}" : "";
            var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" (field {e.Path.TrimStart('$', '.')})";
            return new(null, Problems.BadRequest("Malformed JSON in the request body", $"The body is not valid JSON of the expected shape{where}{path}."));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new(null, Unread(request, TooLarge(limit)));
        }
    }

    /// <summary>The answer comes before the body was read: the server will not drain the rest, so tell
    /// the client not to reuse this connection (or its next request fails on a closed socket).</summary>
    private static ProblemHttpResult Unread(HttpRequest request, ProblemHttpResult problem)
    {
        request.HttpContext.Response.Headers.Connection = "close";
        return problem;
    }

    private static ProblemHttpResult TooLarge(long limit) =>
        Problems.Of(StatusCodes.Status413PayloadTooLarge, "The request body is too large", $"The limit is {limit} bytes; shorten the problem text or context.");
}
