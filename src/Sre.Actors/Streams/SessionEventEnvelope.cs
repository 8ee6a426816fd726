using Sre.Actors.Serialization;
using Sre.Actors.Sessions;

namespace Sre.Actors.Streams;

/// <summary>A persisted session event with its journal sequence number (the SSE event id).</summary>
public sealed record SessionEventEnvelope(string SessionId, long SequenceNr, ISessionEvent Event) : ISreMessage;
