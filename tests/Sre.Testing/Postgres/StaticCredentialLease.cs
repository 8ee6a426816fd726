using Sre.Tools.Agents;
using Sre.Tools.Secrets;

namespace Sre.Testing.Postgres;

/// <summary>The real <see cref="ICredentialLease"/> contract for tests: hands out a fresh
/// <see cref="SecretBundle"/> with the fields a PostgreSQL credential item has (username, password)
/// each time it is redeemed, as the credential actor would.</summary>
public sealed class StaticCredentialLease(string reference, string username, string password) : ICredentialLease
{
    public string Reference { get; } = reference;

    public int Redemptions { get; private set; }

    public Task<SecretBundle> RedeemAsync(CancellationToken cancellationToken)
    {
        Redemptions++;
        return Task.FromResult(new SecretBundle(SecretReference.Parse(Reference),
            [KeyValuePair.Create("username", username), KeyValuePair.Create("password", password)]));
    }
}
