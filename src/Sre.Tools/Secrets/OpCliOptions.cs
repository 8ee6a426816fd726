namespace Sre.Tools.Secrets;

/// <summary>How to run the 1Password CLI (<c>sre.secrets.op-cli</c>): the service account token
/// (given only to the child process), the <c>op</c> executable (a name on PATH or a full path) and
/// how long one invocation may take before it is killed.</summary>
public sealed record OpCliOptions(string ServiceAccountToken)
{
    public string OpPath { get; init; } = "op";
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting (never the token).</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ServiceAccountToken))
            throw new ArgumentException("sre.secrets.op-cli.token is empty; set it (usually from OP_SERVICE_ACCOUNT_TOKEN)", nameof(ServiceAccountToken));
        if (string.IsNullOrWhiteSpace(OpPath))
            throw new ArgumentException("sre.secrets.op-cli.path is empty; name the op executable", nameof(OpPath));
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentException("sre.secrets.op-cli.timeout must be positive", nameof(Timeout));
    }

    /// <summary>Records print every property; this one must never print the token.</summary>
    public override string ToString() => $"OpCliOptions {{ ServiceAccountToken = (hidden), OpPath = {OpPath}, Timeout = {Timeout} }}";
}
