using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit;
using Sre.Actors.Audit;
using Sre.Actors.Credentials;
using Sre.Actors.Sessions;
using Sre.Tools.Secrets;
using static Sre.Actors.Credentials.CredentialProtocol;

namespace Sre.Actors.Tests.Credentials;

/// <summary>The credential actor with its real restricted mailbox and a real (file) secret provider.</summary>
public sealed class CredentialActorTests : TestKit
{
    private const string Canary = "canary-pw-5f1d2e9a";
    private const string Reference = "op://Infrastructure/prod-db";
    private readonly string _secretsFile;
    private readonly SecretRedactor _redactor = new();
    private readonly Akka.TestKit.TestProbe _audit;
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 23, 20, 0, 0, TimeSpan.Zero));

    public CredentialActorTests() : base(ConfigurationFactory.ParseString("""
        sre.credential-mailbox {
          mailbox-type = "Sre.Actors.Credentials.CredentialMailbox, Sre.Actors"
          mailbox-capacity = 1000
        }
        """))
    {
        _secretsFile = Path.Combine(Path.GetTempPath(), $"secrets-{Guid.NewGuid():N}.json");
        File.WriteAllText(_secretsFile, "{\"" + Reference + "\": {\"username\": \"monitor\", \"password\": \"" + Canary + "\"}}");
        _audit = CreateTestProbe();
    }

    /// <summary>Lets xunit cancel a waiting expectation when the run is aborted.</summary>
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IActorRef Start() =>
        Sys.ActorOf(CredentialActor.Props(new FileSecretProvider(_secretsFile), _redactor, _audit.Ref, _clock));

    private CredentialHandle LeaseOne(IActorRef actor, string session = "s-1", TimeSpan? ttl = null)
    {
        actor.Tell(new Lease(session, [new LeaseItem(Reference, ["database"])], _clock.GetUtcNow() + (ttl ?? TimeSpan.FromMinutes(15)), "bob"), TestActor);
        var leased = ExpectMsg<SessionSignals.CredentialsLeased>(TimeSpan.FromSeconds(10));
        Assert.Empty(leased.Failures);
        return Assert.Single(leased.Handles);
    }

    [Fact]
    public void A_lease_answers_with_an_opaque_handle_and_teaches_the_redactor_the_secret()
    {
        var handle = LeaseOne(Start());
        Assert.StartsWith("h_", handle.HandleId);
        Assert.DoesNotContain(Canary, handle.HandleId);
        Assert.Equal("before [REDACTED] after", _redactor.Redact($"before {Canary} after"));
        Assert.Contains(_audit.ReceiveN(1, Ct), m => m is AuditRecord { Kind: AuditKind.Lease });
    }

    [Fact]
    public void The_bound_agent_of_the_bound_session_redeems_the_secret()
    {
        var actor = Start();
        var handle = LeaseOne(actor);
        actor.Tell(new Redeem(handle.HandleId, "s-1", "database"), TestActor);
        using var bundle = ExpectMsg<Redeemed>(cancellationToken: Ct).Bundle;
        Assert.Equal(Canary, bundle.Field("password"));
        Assert.Equal("monitor", bundle.Field("username"));
    }

    [Theory]
    [InlineData("s-other", "database", "another session")]
    [InlineData("s-1", "kubernetes", "bound to the database agent")]
    public void A_handle_used_outside_its_binding_is_refused_and_recorded_as_a_security_event(string session, string agent, string reason)
    {
        var actor = Start();
        var handle = LeaseOne(actor);
        _audit.ReceiveN(1, Ct);
        actor.Tell(new Redeem(handle.HandleId, session, agent), TestActor);
        Assert.Contains(reason, ExpectMsg<Refused>(cancellationToken: Ct).Reason);
        var security = _audit.ExpectMsg<SecurityEvent>(cancellationToken: Ct);
        Assert.Equal(AuditKind.Refusal, security.Record.Kind);
        Assert.Equal(Reference, Assert.Single(security.Record.References!));
    }

    [Fact]
    public void A_handle_past_its_expiry_is_refused()
    {
        var actor = Start();
        var handle = LeaseOne(actor, ttl: TimeSpan.FromMinutes(1));
        _clock.Advance(TimeSpan.FromMinutes(2));
        actor.Tell(new Redeem(handle.HandleId, "s-1", "database"), TestActor);
        Assert.Contains("expired", ExpectMsg<Refused>(cancellationToken: Ct).Reason);
    }

    [Fact]
    public void Revoking_a_session_ends_its_handles_and_the_redactor_forgets_the_value()
    {
        var actor = Start();
        var handle = LeaseOne(actor);
        actor.Tell(new Revoke("s-1"), TestActor);
        Assert.Equal(1, ExpectMsg<Revoked>(cancellationToken: Ct).Handles);
        actor.Tell(new Redeem(handle.HandleId, "s-1", "database"), TestActor);
        Assert.Contains("unknown or revoked", ExpectMsg<Refused>(cancellationToken: Ct).Reason);
        Assert.Equal(0, _redactor.LiveCount);
    }

    [Fact]
    public void A_reference_the_provider_does_not_have_is_reported_as_a_failure_naming_it()
    {
        var actor = Start();
        actor.Tell(new Lease("s-1", [new LeaseItem("op://Infrastructure/missing", ["database"])], _clock.GetUtcNow().AddMinutes(5), "bob"), TestActor);
        var leased = ExpectMsg<SessionSignals.CredentialsLeased>(TimeSpan.FromSeconds(10), cancellationToken: Ct);
        Assert.Empty(leased.Handles);
        var failure = Assert.Single(leased.Failures);
        Assert.Equal("op://Infrastructure/missing", failure.Reference);
        Assert.Contains("op://Infrastructure/missing", failure.Reason);
    }

    [Fact]
    public void Messages_outside_the_credential_protocol_are_refused_at_the_mailbox_and_audited()
    {
        var security = CreateTestProbe();
        Sys.EventStream.Subscribe(security.Ref, typeof(SecurityEvent));
        var actor = Start();
        actor.Tell("give me all secrets", TestActor);
        actor.Tell(PoisonPill.Instance, TestActor);
        var refused = security.ExpectMsg<SecurityEvent>(cancellationToken: Ct);
        Assert.Contains("System.String", refused.Record.Detail);
        Assert.Equal(AuditKind.Security, refused.Record.Kind);
        Assert.Contains("PoisonPill", security.ExpectMsg<SecurityEvent>(cancellationToken: Ct).Record.Detail);
        // The actor is untouched: PoisonPill never reached it.
        var handle = LeaseOne(actor);
        Assert.NotNull(handle);
    }

    [Fact]
    public void The_mailbox_is_bounded_and_refuses_beyond_its_capacity()
    {
        var queue = new CredentialMessageQueue(2, Sys);
        var security = CreateTestProbe();
        Sys.EventStream.Subscribe(security.Ref, typeof(SecurityEvent));
        queue.Enqueue(TestActor, new Akka.Actor.Envelope(new Revoke("a"), TestActor));
        queue.Enqueue(TestActor, new Akka.Actor.Envelope(new Revoke("b"), TestActor));
        queue.Enqueue(TestActor, new Akka.Actor.Envelope(new Revoke("c"), TestActor));
        Assert.Equal(2, queue.Count);
        Assert.Contains("full", security.ExpectMsg<SecurityEvent>(cancellationToken: Ct).Record.Detail);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        File.Delete(_secretsFile);
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
