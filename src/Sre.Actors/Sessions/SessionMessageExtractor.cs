using Akka.Cluster.Sharding;

namespace Sre.Actors.Sessions;

/// <summary>Routes every <see cref="IWithSessionId"/> to its session entity. The same extractor
/// (and shard count — never change it) serves regions and proxies.</summary>
public sealed class SessionMessageExtractor() : HashCodeMessageExtractor(MaxShards)
{
    public const int MaxShards = 100;

    // StartEntity and ShardingEnvelope are unwrapped by the base class before this is asked.
    public override string EntityId(object message) => (message as IWithSessionId)?.SessionId!;
}
