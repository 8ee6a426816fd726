using System.Text.Json;
using System.Text.Json.Nodes;
using Sre.Actors.Sessions;
using Sre.Tools.Json;
using static Sre.Actors.Sessions.SessionEvents;

namespace Sre.Actors.Streams;

/// <summary>One event of the public stream (SSE and WebSocket): the journal sequence number as id,
/// the API's event name and its one-line JSON data.</summary>
public sealed record SessionStreamEvent(long Id, string Name, JsonNode Data)
{
    /// <summary>True for the event after which the stream ends (a terminal phase).</summary>
    public bool IsFinal { get; init; }

    /// <summary>Maps a journal event to the API's stream event; internal bookkeeping events
    /// (plan adoption, credential handles) are not streamed, leaving gaps in the ids.</summary>
    public static SessionStreamEvent? From(long sequenceNr, ISessionEvent e) => e switch
    {
        PhaseChanged p => new SessionStreamEvent(sequenceNr, "phase", Obj(new { phase = p.Phase.ToWire(), at = p.At, reason = p.Reason }))
        {
            IsFinal = p.Phase.IsTerminal(),
        },
        ApprovalRequested a => new SessionStreamEvent(sequenceNr, "approval_required", Obj(new { prompt = a.Prompt, requestedAccess = a.RequestedAccess, expiresAt = a.ExpiresAt })),
        AgentStarted a => new SessionStreamEvent(sequenceNr, "agent_started", Obj(new { agent = a.Agent, target = a.Target, attempt = a.Attempt, at = a.At })),
        FindingRecorded f => new SessionStreamEvent(sequenceNr, "finding", Obj(f.Finding)),
        AgentCompleted c => new SessionStreamEvent(sequenceNr, "agent_completed", Obj(new { agent = c.Agent, target = c.Target, state = c.State.ToWire(), durationMs = c.DurationMs, error = c.Error })),
        ReportProduced r => new SessionStreamEvent(sequenceNr, "report", Obj(r.Report)),
        SessionError err => new SessionStreamEvent(sequenceNr, "error", Obj(new { title = err.Title, detail = err.Detail })),
        ApprovalGranted g => new SessionStreamEvent(sequenceNr, "approved", Obj(new { principal = g.Principal, references = g.References, at = g.At })),
        ApprovalDenied d => new SessionStreamEvent(sequenceNr, "denied", Obj(new { principal = d.Principal, reason = d.Reason, at = d.At })),
        _ => null,
    };

    private static JsonNode Obj<T>(T value) => JsonSerializer.SerializeToNode(value, SreJson.Options)!;
}
