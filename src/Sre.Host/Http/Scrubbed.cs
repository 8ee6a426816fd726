using System.Text.Json;
using Sre.Tools.Json;
using Sre.Tools.Secrets;

namespace Sre.Host.Http;

/// <summary>Every body the edge sends passes the redactor last: whatever slipped past the agents,
/// the journal and the synthesizer, a live secret value never leaves in a response.</summary>
public static class Scrubbed
{
    public static IResult Json(object value, int status = StatusCodes.Status200OK) =>
        Results.Text(Text(JsonSerializer.Serialize(value, value.GetType(), SreJson.Options)), "application/json; charset=utf-8", statusCode: status);

    public static IResult Markdown(string text) =>
        Results.Text(Text(text), "text/markdown; charset=utf-8");

    public static string Text(string text) => SecretRedactor.Shared.Redact(text);
}
