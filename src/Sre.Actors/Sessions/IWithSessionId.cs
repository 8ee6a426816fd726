namespace Sre.Actors.Sessions;

/// <summary>Every message for a session carries its id; the shard message extractor relies on it
/// (a message without one would be dead-lettered silently).</summary>
public interface IWithSessionId
{
    string SessionId { get; }
}
