using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Routing;
using Sre.Actors.Agents;
using Sre.Actors.Audit;
using Sre.Actors.Credentials;
using Sre.Actors.Streams;
using Sre.Actors.Telemetry;
using Sre.Tools.Secrets;
using Sre.Tools.Synthesis;
using static Sre.Actors.Sessions.SessionCommands;
using static Sre.Actors.Sessions.SessionEffects;
using static Sre.Actors.Sessions.SessionEvents;
using static Sre.Actors.Sessions.SessionSignals;

namespace Sre.Actors.Sessions;

/// <summary>One diagnosis session: a sharded, persistent state machine with one behaviour per phase.
/// Decisions come from <see cref="SessionDecider"/>; this actor persists the events, publishes them
/// to the session's stream, performs the effects (plan, lease, dispatch, synthesize, timers) and
/// replies.</summary>
public sealed class SessionActor : ReceivePersistentActor, IWithTimers
{
    public const string SummaryTag = "session-summary";

    private readonly SessionServices _services;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<(string Key, int Attempt)> _accepted = [];
    /// <summary>The trace of the last human action (start, approve); the work it sets off — leases,
    /// agent runs, synthesis — continues that trace. Not persisted: a recovered session starts anew.</summary>
    private string? _trace;
    private SessionState _state;

    public override string PersistenceId { get; }

    public SessionActor(string sessionId, SessionServices services)
    {
        _services = services;
        _state = SessionState.Empty(sessionId);
        PersistenceId = "session-" + sessionId;

        Recover<ISessionEvent>(e => _state = _state.Apply(e));
        NotStarted();
    }

    public static Props Props(string sessionId, SessionServices services) =>
        Akka.Actor.Props.Create(() => new SessionActor(sessionId, services));

    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => _services.Clock.GetUtcNow();
    private string Id => _state.SessionId;

    protected override void OnReplaySuccess()
    {
        BecomePhase();
        if (_state.Exists)
        {
            _log.Info("Session {0} recovered in phase {1}", Id, _state.Phase.ToWire());
            Apply(SessionDecider.Resume(_state, Now, _services.Policy), ActorRefs.Nobody);
        }
    }

    // ---- behaviours: one per phase; each names what it expects, the decider judges the rest ----

    private void NotStarted()
    {
        Command<StartDiagnosis>(Handle);
        Command<PassivateNow>(_ => Passivate());
        Command<ISessionCommand>(c =>
        {
            Handle(c);
            // Someone asked about a session that does not exist: do not linger.
            Passivate();
        });
    }

    private void Analyzing()
    {
        Command<PlanReady>(Handle);
        Command<PlanFailed>(Handle);
        Common();
    }

    private void WaitingForInput()
    {
        Command<Approve>(Handle);
        Command<Deny>(Handle);
        Command<ApprovalTimeoutReached>(Handle);
        Common();
    }

    private void RetrievingCredentials()
    {
        Command<CredentialsLeased>(Handle);
        Common();
    }

    private void Diagnosing()
    {
        Command<AgentAccepted>(a =>
        {
            _accepted.Add((a.Key, a.Attempt));
            Timers.Cancel(AckTimer(a.Key));
        });
        Command<AgentDispatchUnacknowledged>(OnUnacknowledged);
        Command<AgentFindingReported>(Handle);
        Command<AgentFinished>(Handle);
        Command<AgentDeadlineReached>(Handle);
        Command<CredentialsLeased>(Handle);
        Command<FollowUpReady>(Handle);
        Common();
    }

    private void Synthesizing()
    {
        Command<SynthesisReady>(Handle);
        Command<SynthesisFailed>(Handle);
        Common();
    }

    private void Ended()
    {
        Command<PassivateNow>(_ => Passivate());
        // Late agent messages and leases of an ended session: revoke anything that arrives.
        Command<CredentialsLeased>(_ => _services.CredentialActor.Tell(new CredentialProtocol.Revoke(Id)));
        Common();
    }

    private void Common()
    {
        Command<PassivateNow>(_ => { });
        // The credential actor acknowledges a revocation; the session has nothing left to do with it
        // (the audit log records it), and leaving it unhandled logged a warning per ended session.
        Command<CredentialProtocol.Revoked>(_ => { });
        Command<ISessionCommand>(Handle);
    }

    private void BecomePhase()
    {
        if (!_state.Exists) return;
        switch (_state.Phase)
        {
            case SessionPhase.Analyzing: Become(Analyzing); break;
            case SessionPhase.WaitingForInput: Become(WaitingForInput); break;
            case SessionPhase.RetrievingCredentials: Become(RetrievingCredentials); break;
            case SessionPhase.Diagnosing: Become(Diagnosing); break;
            case SessionPhase.Synthesizing: Become(Synthesizing); break;
            default: Become(Ended); break;
        }
    }

    // ---- command handling ----

    private void Handle(ISessionCommand command)
    {
        _trace = TraceParentOf(command) ?? _trace;
        using var activity = SreTelemetry.StartFrom("session." + command.GetType().Name, _trace);
        activity?.SetTag("sre.session", Id);
        var decision = SessionDecider.Decide(_state, Scrub(command), Now, _services.Policy);
        Apply(decision, Sender);
    }

    /// <summary>Defence in depth before anything reaches the journal: this node's redactor knows
    /// every value the credential actor leased, wherever the agent that reported it ran.</summary>
    private ISessionCommand Scrub(ISessionCommand command) => command switch
    {
        AgentFindingReported f => f with { Finding = FindingScrubber.Scrub(f.Finding, _services.Redactor) },
        AgentFinished f when f.Error is not null => f with { Error = _services.Redactor.Redact(f.Error) },
        PlanFailed f => f with { Reason = _services.Redactor.Redact(f.Reason) },
        SynthesisFailed f => f with { Reason = _services.Redactor.Redact(f.Reason) },
        _ => command,
    };

    private void Apply(SessionDecision decision, IActorRef replyTo)
    {
        if (decision.Events.Count == 0)
        {
            Perform(decision.Effects);
            Reply(replyTo, decision.Reply);
            return;
        }

        var live = decision.Events.Select(e => e is SessionStarted or PhaseChanged ? (object)new Tagged(e, [SummaryTag]) : e).ToList();
        PersistAll(live, persisted =>
        {
            var e = (ISessionEvent)(persisted is Tagged t ? t.Payload : persisted);
            _state = _state.Apply(e);
            Published(e, LastSequenceNr);
        });
        DeferAsync(decision, d =>
        {
            BecomePhase();
            Perform(d.Effects);
            Reply(replyTo, d.Reply);
        });
    }

    private void Reply(IActorRef replyTo, object? reply)
    {
        if (reply is null || replyTo.IsNobody()) return;
        if (ReferenceEquals(reply, SessionDecision.ReplyWithStatus)) reply = new SessionReplies.StatusReply(SessionStatus.From(_state));
        else if (ReferenceEquals(reply, SessionDecision.ReplyWithReport)) reply = new SessionReplies.ReportReply(_state.Report!);
        replyTo.Tell(reply);
    }

    /// <summary>After an event is in the journal: publish it to its stream, update the directory
    /// and the metrics.</summary>
    private void Published(ISessionEvent e, long sequenceNr)
    {
        _services.Mediator.Tell(new Publish(SessionTopics.Session(Id), new SessionEventEnvelope(Id, sequenceNr, e)));
        switch (e)
        {
            case SessionStarted started:
                SreTelemetry.SessionsStarted.Add(1);
                _log.Info("Session {0} started by {1} in {2}: {3}", Id, started.Requester, started.Request.Environment, started.Request.Problem);
                PublishSummary();
                break;
            case PhaseChanged changed:
                if (changed.Phase.IsTerminal())
                    // One argument per fact: structured logs quote each, so a composed suffix read badly.
                    _log.Info("Session {0} ended {1}: {2}", Id, changed.Phase.ToWire(),
                        _state.Report is { } report ? $"{report.RootCause.Category} ({report.Findings.Count} findings)" : changed.Reason ?? "no reason given");
                PublishSummary();
                break;
            case FindingRecorded f:
                SreTelemetry.FindingsRecorded.Add(1, new KeyValuePair<string, object?>("agent", f.Finding.Agent), new KeyValuePair<string, object?>("severity", f.Finding.Severity.ToString().ToLowerInvariant()));
                break;
            case ApprovalGranted or ApprovalDenied when _state.ApprovalRequestedAt is { } asked:
                SreTelemetry.ApprovalWait.Record((e.At - asked).TotalSeconds);
                break;
        }
    }

    private void PublishSummary() =>
        _services.Mediator.Tell(new Publish(SessionTopics.Summaries, SummaryOf(_state)));

    public static SessionSummary SummaryOf(SessionState s) => new(
        s.SessionId, s.Phase.ToWire(), s.Request?.Problem ?? "", s.Request?.Environment ?? "",
        s.Requester, s.ConversationId, s.CreatedAt, s.UpdatedAt);

    // ---- effects ----

    private void Perform(IReadOnlyList<ISessionEffect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case RequestPlan: StartPlanning(); break;
                case ScheduleApprovalTimeout t:
                    Timers.StartSingleTimer("approval", new ApprovalTimeoutReached(Id), Until(t.At));
                    break;
                case LeaseCredentials l:
                    _services.CredentialActor.Tell(new CredentialProtocol.Lease(Id, l.Items, l.ExpiresAt, l.Principal), Self);
                    break;
                case DispatchAgent d: Dispatch(d, resends: 0); break;
                case RequestSynthesis: StartSynthesis(); break;
                case RequestFollowUp f: StartFollowUp(f.Round); break;
                case RevokeCredentials: _services.CredentialActor.Tell(new CredentialProtocol.Revoke(Id), Self); break;
                case CancelAgents:
                    foreach (var pool in _services.AgentPools.Values) pool.Tell(new Broadcast(new AgentProtocol.CancelSessionAgents(Id)));
                    break;
                case PassivateLater:
                    Timers.StartSingleTimer("passivate", PassivateNow.Instance, _services.Policy.PassivateAfterEnd);
                    break;
                case RecordAudit a:
                    _services.Audit.Tell(new AuditRecord(a.Kind, Now, Id, a.Principal, a.References, a.Client, a.Detail));
                    break;
            }
        }
    }

    private TimeSpan Until(DateTimeOffset at)
    {
        var delay = at - Now;
        return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
    }

    private void StartPlanning()
    {
        var request = _state.Request!;
        var environment = _services.Catalog.Find(request.Environment);
        if (environment is null)
        {
            Self.Tell(new PlanFailed(Id, $"environment '{request.Environment}' is no longer configured on this server"));
            return;
        }
        var id = Id;
        var redactor = _services.Redactor;
        _services.Planner.PlanAsync(request, environment, CancellationToken.None).PipeTo(Self,
            success: plan => new PlanReady(id, plan),
            failure: e => new PlanFailed(id, redactor.Redact(e.Message)));
    }

    private void StartSynthesis()
    {
        var input = SessionReportBuilder.Input(_state);
        var id = Id;
        var synthesizer = _services.Synthesizer;
        var redactor = _services.Redactor;
        Synthesize().PipeTo(Self);

        async Task<ISessionCommand> Synthesize()
        {
            try
            {
                return new SynthesisReady(id, await synthesizer.SynthesizeAsync(input, CancellationToken.None).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                // Whatever the configured synthesizer is, the rules always give an answer.
                try
                {
                    var fallback = new RuleBasedSynthesizer().Synthesize(input);
                    return new SynthesisReady(id, fallback with { Notes = [.. fallback.Notes, $"The configured synthesizer failed ({redactor.Redact(e.Message)}); the rule-based synthesis is shown."] });
                }
                catch (Exception inner)
                {
                    return new SynthesisFailed(id, redactor.Redact(inner.Message));
                }
            }
        }
    }

    private void StartFollowUp(int round)
    {
        var environment = _services.Catalog.Find(_state.Request!.Environment);
        var id = Id;
        if (_services.Investigator is null || environment is null)
        {
            Self.Tell(new FollowUpReady(id, round, Sre.Tools.Llm.FollowUp.Finished()));
            return;
        }
        var planSoFar = new Sre.Tools.Model.DiagnosisPlan
        {
            Assignments = _state.Agents.Select(a => a.Assignment).ToList(),
            Access = _state.RequestedAccess,
            Planner = _state.Plan?.Planner ?? "rules",
        };
        var spent = _state.LlmCalls.Where(c => c.Purpose == "follow-up").Sum(c => c.TotalTokens);
        var request = new Sre.Tools.Llm.FollowUpRequest(_state.Request!, environment, planSoFar, _state.Findings, _state.ApprovedReferences, round, spent);
        var redactor = _services.Redactor;
        _services.Investigator.ProposeAsync(request, CancellationToken.None).PipeTo(Self,
            success: f => new FollowUpReady(id, round, f),
            // The investigator does not throw for model failures; anything else ends the follow-ups.
            failure: e => new FollowUpReady(id, round, Sre.Tools.Llm.FollowUp.Finished($"the investigator failed: {redactor.Redact(e.Message)}")));
    }

    private void Dispatch(DispatchAgent d, int resends)
    {
        var key = d.Key;
        var target = _services.Catalog.Find(_state.Request!.Environment)?.FindTarget(d.Assignment.Target);
        if (target is null || !_services.AgentPools.TryGetValue(d.Assignment.Agent, out var pool))
        {
            Self.Tell(new AgentFinished(Id, key, d.Attempt, AgentRunState.Failed, 0,
                target is null ? $"target '{d.Assignment.Target}' is no longer in the catalog" : $"no {d.Assignment.Agent} agent pool on this cluster"));
            return;
        }
        pool.Tell(new AgentProtocol.RunAgent(Id, key, d.Attempt, d.Assignment, target, d.Handle,
            _services.CredentialActor, _services.Region(), d.DeadlineAt, System.Diagnostics.Activity.Current?.Id ?? _trace));
        Timers.StartSingleTimer(DeadlineTimer(key), new AgentDeadlineReached(Id, key, d.Attempt), Until(d.DeadlineAt));
        Timers.StartSingleTimer(AckTimer(key), new AgentDispatchUnacknowledged(Id, key, d.Attempt, resends + 1), _services.Policy.DispatchAckTimeout);
    }

    /// <summary>A router with no routees yet (a runner joining) drops messages: re-send a few times,
    /// the deadline covers the rest.</summary>
    private void OnUnacknowledged(AgentDispatchUnacknowledged u)
    {
        var run = _state.FindAgent(u.Key);
        if (_accepted.Contains((u.Key, u.Attempt)) || run is not { State: AgentRunState.Running } || run.Attempt != u.Attempt) return;
        if (u.Resends > _services.Policy.MaxDispatchResends)
        {
            _log.Warning("Session {0}: no {1} agent acknowledged {2} after {3} resends", Id, run.Assignment.Agent, u.Key, u.Resends - 1);
            return;
        }
        _log.Info("Session {0}: re-sending {1} (attempt {2}, resend {3})", Id, u.Key, u.Attempt, u.Resends);
        Dispatch(new DispatchAgent(run.Key, run.Assignment, run.Attempt, _state.HandleFor(run.Assignment), run.DeadlineAt ?? Now + _services.Policy.AgentDeadline), u.Resends);
    }

    private static string AckTimer(string key) => "ack-" + key;
    private static string DeadlineTimer(string key) => "deadline-" + key;

    private static string? TraceParentOf(ISessionCommand c) => c switch
    {
        StartDiagnosis s => s.TraceParent,
        Approve a => a.TraceParent,
        _ => null,
    };

    /// <summary>Asks the shard to stop this entity; its journal stays and a later message revives it.</summary>
    private void Passivate() => Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(PoisonPill.Instance));

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Session {0}: could not persist event #{1}; the session stops and recovers on the next message", Id, sequenceNr);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    private sealed class PassivateNow
    {
        public static PassivateNow Instance { get; } = new();
    }
}
