using Sre.Tools.Agents;
using Sre.Tools.Secrets;

namespace Sre.Testing.Postgres;

/// <summary>The real <see cref="ICredentialLease"/> contract for tests: hands out a fresh
/// <see cref="SecretBundle"/> with the fields a PostgreSQL credential item has (username, password)
/// each time it is redeemed, as the credential actor would.</summary>
public sealed class StaticCredentialLease(string reference, string username, string password) : ICredentialLease
{
    public string Reference { get; } = reference;

    private readonly List<SecretBundle> _issued = [];

    /// <summary>Every bundle handed out, so a test can check the tool disposed them.</summary>
    public IReadOnlyList<SecretBundle> Issued { get { lock (_issued) return [.. _issued]; } }

    public Task<SecretBundle> RedeemAsync(CancellationToken cancellationToken)
    {
        var bundle = new SecretBundle(SecretReference.Parse(Reference),
            [KeyValuePair.Create("username", username), KeyValuePair.Create("password", password)]);
        lock (_issued) _issued.Add(bundle);
        return Task.FromResult(bundle);
    }
}
