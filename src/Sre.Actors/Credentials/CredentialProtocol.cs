using Sre.Actors.Serialization;
using Sre.Actors.Sessions;
using Sre.Tools.Secrets;

namespace Sre.Actors.Credentials;

/// <summary>The only messages the credential actor's mailbox accepts: lease, redeem, revoke,
/// expire (and its own fetch results). Anything else is refused at enqueue.</summary>
public interface ICredentialProtocol : ISreMessage;

public static class CredentialProtocol
{
    /// <summary>Fetch the approved references for a session and answer with handles
    /// (<see cref="SessionSignals.CredentialsLeased"/>).</summary>
    public sealed record Lease(string SessionId, IReadOnlyList<LeaseItem> Items, DateTimeOffset ExpiresAt, string Principal) : ICredentialProtocol;

    /// <summary>Exchange a handle for its secret, at the moment of use, by the agent it is bound to.</summary>
    public sealed record Redeem(string HandleId, string SessionId, string Agent) : ICredentialProtocol;

    /// <summary>The secret for one call. The receiver owns the bundle and disposes it.</summary>
    public sealed record Redeemed(SecretBundle Bundle) : ISreMessage
    {
        // Never let a record printer reach the values.
        public override string ToString() => $"Redeemed({Bundle.Reference})";
    }

    public sealed record Refused(string Reason) : ISreMessage;

    /// <summary>End every lease of a session (denied, cancelled, finished).</summary>
    public sealed record Revoke(string SessionId) : ICredentialProtocol;

    public sealed record Revoked(string SessionId, int Handles) : ISreMessage;

    /// <summary>Periodic sweep of leases past their expiry.</summary>
    public sealed record ExpireDue : ICredentialProtocol
    {
        public static ExpireDue Instance { get; } = new();
    }

    /// <summary>The actor's own fetch result, piped back into its mailbox.</summary>
    internal sealed record FetchCompleted(Lease Request, IReadOnlyList<(LeaseItem Item, SecretBundle? Bundle, string? Error)> Results, Akka.Actor.IActorRef ReplyTo) : ICredentialProtocol
    {
        public override string ToString() => $"FetchCompleted({Request.SessionId}, {Results.Count} references)";
    }
}
