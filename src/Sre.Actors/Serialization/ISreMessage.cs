namespace Sre.Actors.Serialization;

/// <summary>Marker for everything serialized by <see cref="SreJsonSerializer"/>: persisted events
/// and messages that cross nodes. Binding one marker keeps Newtonsoft (Akka's default) out of
/// the journal and the wire.</summary>
public interface ISreMessage;
