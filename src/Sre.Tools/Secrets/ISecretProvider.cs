namespace Sre.Tools.Secrets;

/// <summary>Where secrets come from (1Password Connect, the op CLI, a dev file).</summary>
public interface ISecretProvider
{
    /// <summary>The configuration name: onepassword-connect, op-cli, file.</summary>
    string Name { get; }

    /// <summary>True for providers that must never run in production (the file provider).</summary>
    bool IsDevelopmentOnly { get; }

    /// <summary>Fetches the item or field a reference names. Errors are <see cref="SecretFetchException"/>
    /// naming the reference, never a token or a value.</summary>
    Task<SecretBundle> FetchAsync(SecretReference reference, CancellationToken cancellationToken);

    /// <summary>Whether the provider can serve secrets now (used by /health/ready and hooks).</summary>
    Task<ProviderHealth> CheckHealthAsync(CancellationToken cancellationToken);
}

public sealed record ProviderHealth(bool Healthy, string Detail);

/// <summary>A secret could not be fetched. The message names the reference and the reason.</summary>
public sealed class SecretFetchException(SecretReference reference, string reason, Exception? inner = null)
    : Exception($"Could not fetch {reference}: {reason}", inner)
{
    public SecretReference Reference { get; } = reference;
    public string Reason { get; } = reason;
}
