using Akka.Actor;
using Akka.Event;
using Sre.Actors.Audit;
using Sre.Actors.Sessions;
using Sre.Tools.Secrets;
using static Sre.Actors.Credentials.CredentialProtocol;

namespace Sre.Actors.Credentials;

/// <summary>Holds approved secrets for the life of their lease and hands agents opaque handles.
/// Runs with <see cref="CredentialMailbox"/>: only the credential protocol gets in. Not persistent
/// on purpose: secrets never touch the journal, and a restarted node re-leases from the provider.</summary>
public sealed class CredentialActor : ReceiveActor
{
    public const string MailboxId = "sre.credential-mailbox";

    private readonly ISecretProvider _provider;
    private readonly SecretRedactor _redactor;
    private readonly IActorRef _audit;
    private readonly TimeProvider _clock;
    private readonly HandleRegistry _handles = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ICancelable? _sweep;

    public CredentialActor(ISecretProvider provider, SecretRedactor redactor, IActorRef audit, TimeProvider? clock = null)
    {
        _provider = provider;
        _redactor = redactor;
        _audit = audit;
        _clock = clock ?? TimeProvider.System;

        Receive<Lease>(OnLease);
        Receive<FetchCompleted>(OnFetched);
        Receive<Redeem>(OnRedeem);
        Receive<Revoke>(OnRevoke);
        Receive<ExpireDue>(_ => OnExpire());
    }

    public static Props Props(ISecretProvider provider, SecretRedactor redactor, IActorRef audit, TimeProvider? clock = null) =>
        Akka.Actor.Props.Create(() => new CredentialActor(provider, redactor, audit, clock)).WithMailbox(MailboxId);

    protected override void PreStart() =>
        // Scheduler.Tell, not Timers: timer envelopes are not protocol messages and the mailbox would refuse them.
        _sweep = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), Self, ExpireDue.Instance, Self);

    protected override void PostStop()
    {
        _sweep?.Cancel();
        _handles.Clear();
    }

    private DateTimeOffset Now => _clock.GetUtcNow();

    private void OnLease(Lease lease)
    {
        var replyTo = Sender;
        var provider = _provider;
        var redactor = _redactor;
        FetchAll().PipeTo(Self);

        async Task<FetchCompleted> FetchAll()
        {
            var results = await Task.WhenAll(lease.Items.Select(async item =>
            {
                try
                {
                    var reference = SecretReference.Parse(item.Reference);
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    var bundle = await provider.FetchAsync(reference, timeout.Token).ConfigureAwait(false);
                    return (item, (SecretBundle?)bundle, (string?)null);
                }
                catch (Exception e)
                {
                    // Provider errors name the reference, never a value; redact anyway.
                    var reason = e is SecretFetchException sfe ? sfe.Reason : e is OperationCanceledException ? "the secret provider did not answer in time" : e.Message;
                    return (item, null, redactor.Redact(reason));
                }
            })).ConfigureAwait(false);
            return new FetchCompleted(lease, results, replyTo);
        }
    }

    private void OnFetched(FetchCompleted done)
    {
        var lease = done.Request;
        var handles = new List<CredentialHandle>();
        var failures = new List<CredentialFailure>();
        var expires = lease.ExpiresAt;
        foreach (var (item, bundle, error) in done.Results)
        {
            if (bundle is null)
            {
                failures.Add(new CredentialFailure(item.Reference, error ?? "unknown error"));
                Audit(AuditKind.LeaseFailure, lease.SessionId, lease.Principal, [item.Reference], $"Could not fetch: {error}");
                continue;
            }
            var registration = _redactor.Register(bundle.SecretValues());
            var id = _handles.Issue(lease.SessionId, item.Agents, expires, bundle, registration);
            handles.Add(new CredentialHandle(id, item.Reference, item.Agents, expires));
            Audit(AuditKind.Lease, lease.SessionId, lease.Principal, [item.Reference], $"Leased to {string.Join(", ", item.Agents)} until {expires:u}");
        }
        done.ReplyTo.Tell(new SessionSignals.CredentialsLeased(lease.SessionId, handles, failures));
    }

    private void OnRedeem(Redeem redeem)
    {
        var outcome = _handles.Redeem(redeem.HandleId, redeem.SessionId, redeem.Agent, Now);
        var references = outcome.Reference is null ? null : new[] { outcome.Reference.ToString() };
        if (outcome.Bundle is null)
        {
            var record = new AuditRecord(AuditKind.Refusal, Now, redeem.SessionId, redeem.Agent, references, Sender.Path.ToString(),
                $"Redeem refused: {outcome.Refusal}");
            _audit.Tell(new SecurityEvent(record));
            Sender.Tell(new Refused(outcome.Refusal!));
            return;
        }
        Audit(AuditKind.Redemption, redeem.SessionId, redeem.Agent, references, $"Redeemed by the {redeem.Agent} agent");
        Sender.Tell(new Redeemed(outcome.Bundle));
    }

    private void OnRevoke(Revoke revoke)
    {
        var revoked = _handles.RevokeSession(revoke.SessionId);
        if (revoked.Count > 0)
            Audit(AuditKind.Revocation, revoke.SessionId, null, revoked.Select(r => r.ToString()).ToList(), $"Revoked {revoked.Count} handle(s)");
        Sender.Tell(new Revoked(revoke.SessionId, revoked.Count));
    }

    private void OnExpire()
    {
        foreach (var (session, reference) in _handles.ExpireDue(Now))
            Audit(AuditKind.Expiry, session, null, [reference.ToString()], "Lease expired");
    }

    private void Audit(string kind, string? session, string? principal, IReadOnlyList<string>? references, string detail) =>
        _audit.Tell(new AuditRecord(kind, Now, session, principal, references, null, detail));
}
