using System.Security.Cryptography;
using Sre.Tools.Secrets;

namespace Sre.Actors.Credentials;

/// <summary>The credential actor's bookkeeping: which opaque handle stands for which secret, bound
/// to which session and agent kinds, until when. Pure and single-threaded (the actor owns it).</summary>
public sealed class HandleRegistry
{
    private readonly Dictionary<string, Entry> _handles = new(StringComparer.Ordinal);

    private sealed record Entry(string SessionId, IReadOnlyList<string> Agents, DateTimeOffset ExpiresAt, SecretBundle Bundle, IDisposable Redaction);

    public int Count => _handles.Count;

    /// <summary>Issues a random handle (not derivable from anything) for a fetched secret.</summary>
    public string Issue(string sessionId, IReadOnlyList<string> agents, DateTimeOffset expiresAt, SecretBundle bundle, IDisposable redaction)
    {
        var id = "h_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
        _handles[id] = new Entry(sessionId, agents, expiresAt, bundle, redaction);
        return id;
    }

    /// <summary>A copy of the secret for one call, or why not.</summary>
    public RedeemOutcome Redeem(string handleId, string sessionId, string agent, DateTimeOffset now)
    {
        if (!_handles.TryGetValue(handleId, out var e))
            return RedeemOutcome.Refuse("unknown or revoked handle");
        if (!string.Equals(e.SessionId, sessionId, StringComparison.Ordinal))
            return RedeemOutcome.Refuse($"the handle belongs to another session (asked for by session '{sessionId}')", e.Bundle.Reference);
        if (!e.Agents.Contains(agent, StringComparer.OrdinalIgnoreCase))
            return RedeemOutcome.Refuse($"the handle is bound to the {string.Join(", ", e.Agents)} agent, not '{agent}'", e.Bundle.Reference);
        if (now >= e.ExpiresAt)
        {
            Remove(handleId);
            return RedeemOutcome.Refuse($"the handle expired at {e.ExpiresAt:u}", e.Bundle.Reference);
        }
        return new RedeemOutcome(e.Bundle.Copy(), null, e.Bundle.Reference);
    }

    /// <summary>Ends every handle of a session, zeroing the secrets; returns the references revoked.</summary>
    public IReadOnlyList<SecretReference> RevokeSession(string sessionId) =>
        _handles.Where(kv => kv.Value.SessionId == sessionId).Select(kv => kv.Key).ToList()
            .Select(Remove).ToList();

    /// <summary>Ends every handle past its expiry; returns (session, reference) of each.</summary>
    public IReadOnlyList<(string SessionId, SecretReference Reference)> ExpireDue(DateTimeOffset now) =>
        _handles.Where(kv => now >= kv.Value.ExpiresAt).Select(kv => (kv.Key, kv.Value.SessionId)).ToList()
            .Select(x => (x.SessionId, Remove(x.Key))).ToList();

    public void Clear()
    {
        foreach (var id in _handles.Keys.ToList()) Remove(id);
    }

    private SecretReference Remove(string handleId)
    {
        var e = _handles[handleId];
        _handles.Remove(handleId);
        var reference = e.Bundle.Reference;
        e.Bundle.Dispose();
        e.Redaction.Dispose();
        return reference;
    }
}

/// <summary>Either a secret copy (the caller disposes it) or a refusal reason.</summary>
public sealed record RedeemOutcome(SecretBundle? Bundle, string? Refusal, SecretReference? Reference)
{
    public static RedeemOutcome Refuse(string reason, SecretReference? reference = null) => new(null, reason, reference);
}
