using Akka.Actor;
using Akka.Cluster;
using Sre.Actors.Directory;
using Sre.Tools.Secrets;

namespace Sre.Host.Http;

/// <summary>GET /health/ready: this node is a cluster member that is Up, its session directory is
/// loaded and (on main nodes) its secret provider answers. Provider health is cached briefly so a
/// busy probe does not hammer 1Password.</summary>
public sealed class ReadinessProbe(ActorSystem system, SessionDirectory directory, ISecretProvider provider)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, ProviderHealth Health)? _cached;

    /// <summary><see cref="Failing"/> names the checks that are not passing, so clients need not parse details.</summary>
    public sealed record Readiness(bool Ready, IReadOnlyDictionary<string, string> Checks, IReadOnlyList<string> Failing, IReadOnlyList<string> Warnings);

    public async Task<Readiness> CheckAsync(CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string>();
        var warnings = new List<string>();
        var member = Cluster.Get(system).SelfMember;
        var clusterOk = member.Status == MemberStatus.Up;
        checks["cluster"] = clusterOk ? $"up as {member.Address} ({string.Join(", ", member.Roles)})" : $"member status {member.Status}";
        var directoryOk = directory.Loaded.IsCompleted;
        checks["sessions"] = directoryOk ? "directory loaded" : "loading the session directory";
        var health = await ProviderHealthAsync(cancellationToken);
        checks["secrets"] = $"{provider.Name}: {health.Detail}";
        if (provider.IsDevelopmentOnly)
            warnings.Add($"The '{provider.Name}' secret provider is for development only; configure onepassword-connect or op-cli for production.");
        var failing = new List<string>();
        if (!clusterOk) failing.Add("cluster");
        if (!directoryOk) failing.Add("sessions");
        if (!health.Healthy) failing.Add("secrets");
        return new Readiness(failing.Count == 0, checks, failing, warnings);
    }

    private async Task<ProviderHealth> ProviderHealthAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } c && DateTimeOffset.UtcNow - c.At < TimeSpan.FromSeconds(5)) return c.Health;
            ProviderHealth health;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                health = await provider.CheckHealthAsync(timeout.Token);
            }
            catch (Exception e)
            {
                health = new ProviderHealth(false, $"health check failed: {e.GetType().Name}");
            }
            _cached = (DateTimeOffset.UtcNow, health);
            return health;
        }
        finally
        {
            _gate.Release();
        }
    }
}
