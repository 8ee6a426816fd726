using Akka.Actor;
using Sre.Actors.Credentials;
using Sre.Tools.Agents;
using Sre.Tools.Secrets;

namespace Sre.Actors.Agents;

/// <summary>The tool-facing side of a handle: redeems it from the credential actor at the moment of
/// use. The secret values are taught to this node's redactor for as long as the run lasts, so even
/// a runner on another node scrubs them from its logs and findings.</summary>
public sealed class ActorCredentialLease(
    IActorRef credentialActor,
    string handleId,
    string sessionId,
    string agent,
    string reference,
    SecretRedactor redactor,
    TimeSpan timeout) : ICredentialLease, IDisposable
{
    private readonly List<IDisposable> _registrations = [];

    public string Reference => reference;

    public async Task<SecretBundle> RedeemAsync(CancellationToken cancellationToken)
    {
        object answer;
        try
        {
            answer = await credentialActor.Ask<object>(new CredentialProtocol.Redeem(handleId, sessionId, agent), timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new CredentialRefusedException(reference, "the credential holder did not answer in time");
        }
        switch (answer)
        {
            case CredentialProtocol.Redeemed redeemed:
                lock (_registrations) _registrations.Add(redactor.Register(redeemed.Bundle.SecretValues()));
                return redeemed.Bundle;
            case CredentialProtocol.Refused refused:
                throw new CredentialRefusedException(reference, refused.Reason);
            default:
                throw new CredentialRefusedException(reference, $"unexpected answer {answer.GetType().Name}");
        }
    }

    public void Dispose()
    {
        lock (_registrations)
        {
            foreach (var r in _registrations) r.Dispose();
            _registrations.Clear();
        }
    }
}
