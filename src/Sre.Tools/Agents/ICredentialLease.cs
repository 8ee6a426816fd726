using Sre.Tools.Secrets;

namespace Sre.Tools.Agents;

/// <summary>A tool's way to the secret behind an opaque handle. Redeem at the moment of use and
/// dispose the bundle when the call is done; the secret lives for that call only.</summary>
public interface ICredentialLease
{
    /// <summary>The reference the handle stands for (safe to show).</summary>
    string Reference { get; }

    /// <summary>Returns the secret, or throws <see cref="CredentialRefusedException"/> when the
    /// handle is expired, revoked or bound to someone else.</summary>
    Task<SecretBundle> RedeemAsync(CancellationToken cancellationToken);
}

/// <summary>The credential holder refused to redeem a handle; the message says why (never a value).</summary>
public sealed class CredentialRefusedException(string reference, string reason)
    : Exception($"Credential {reference} was refused: {reason}")
{
    public string Reference { get; } = reference;
    public string Reason { get; } = reason;
}
