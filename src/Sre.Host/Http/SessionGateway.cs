using Akka.Actor;
using Microsoft.AspNetCore.Http.HttpResults;
using Sre.Actors.Sessions;

namespace Sre.Host.Http;

/// <summary>The HTTP edge's way into the session shard region: ask with a timeout and turn
/// "nobody answered" into a 503 a person understands, never a 500.</summary>
public sealed class SessionGateway(IActorRef region, TimeSpan timeout)
{
    public sealed record Answer(object? Reply, ProblemHttpResult? Problem);

    public async Task<Answer> AskAsync(ISessionCommand command, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await region.Ask<object>(command, timeout, cancellationToken);
            return reply is SessionReplies.Rejected rejected ? new Answer(null, Problems.From(rejected)) : new Answer(reply, null);
        }
        catch (AskTimeoutException)
        {
            return new Answer(null, Problems.Unavailable($"Session '{command.SessionId}' did not answer in time",
                "The session may be recovering or the node is busy. Retry in a few seconds; nothing was lost."));
        }
    }

    /// <summary>Session ids are short tokens; anything else cannot be a session (and must not spawn an entity).</summary>
    public static bool IsValidId(string id) =>
        id.Length is >= 3 and <= 64 && char.IsAsciiLetterOrDigit(id[0]) && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static string NewId() =>
        "s-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
}
