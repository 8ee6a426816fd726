using System.Collections.Concurrent;
using Sre.Actors.Sessions;

namespace Sre.Actors.Directory;

/// <summary>This node's view of all sessions for GET /sessions and the phase gauge. Filled from
/// the journal at start and kept current from pub-sub by <see cref="SessionDirectoryActor"/>.</summary>
public sealed class SessionDirectory
{
    private readonly ConcurrentDictionary<string, SessionSummary> _sessions = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the journal has been read.</summary>
    public Task Loaded => _loaded.Task;

    internal void MarkLoaded() => _loaded.TrySetResult();

    /// <summary>Keeps the newest version of a session's summary.</summary>
    public void Upsert(SessionSummary summary) =>
        _sessions.AddOrUpdate(summary.SessionId, summary, (_, old) => Merge(old, summary));

    private static SessionSummary Merge(SessionSummary old, SessionSummary update) =>
        update.UpdatedAt >= old.UpdatedAt
            ? update with
            {
                Problem = update.Problem.Length > 0 ? update.Problem : old.Problem,
                Environment = update.Environment.Length > 0 ? update.Environment : old.Environment,
                Requester = update.Requester.Length > 0 ? update.Requester : old.Requester,
                ConversationId = update.ConversationId ?? old.ConversationId,
                CreatedAt = old.CreatedAt == default ? update.CreatedAt : old.CreatedAt,
            }
            : old;

    public IReadOnlyList<SessionSummary> List(string? phase = null, int limit = 50, string? conversationId = null, string? requester = null) =>
        _sessions.Values
            .Where(s => phase is null || string.Equals(s.Phase, phase, StringComparison.OrdinalIgnoreCase))
            .Where(s => conversationId is null || string.Equals(s.ConversationId, conversationId, StringComparison.Ordinal))
            .Where(s => requester is null || string.Equals(s.Requester, requester, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(s => s.CreatedAt)
            .ThenByDescending(s => s.SessionId, StringComparer.Ordinal)
            .Take(Math.Clamp(limit, 1, 1000))
            .ToList();

    public IReadOnlyDictionary<string, int> CountByPhase() =>
        _sessions.Values.GroupBy(s => s.Phase).ToDictionary(g => g.Key, g => g.Count());

    public SessionSummary? Find(string sessionId) => _sessions.GetValueOrDefault(sessionId);
}
