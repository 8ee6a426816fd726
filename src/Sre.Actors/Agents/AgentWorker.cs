using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Sre.Actors.Sessions;
using Sre.Actors.Telemetry;
using Sre.Tools.Agents;
using Sre.Tools.Json;
using Sre.Tools.Model;
using Sre.Tools.Secrets;
using static Sre.Actors.Agents.AgentProtocol;

namespace Sre.Actors.Agents;

/// <summary>A routee of an agent pool. Runs each <see cref="RunAgent"/> as its own task so one
/// worker serves several sessions at once, and reports every finding the moment the tool yields
/// it. The session owns the deadline; the worker also stops its tool shortly after it.</summary>
public sealed class AgentWorker : ReceiveActor
{
    /// <summary>Extra time past the deadline before the worker abandons the tool itself.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, List<CancellationTokenSource>> _runs = new();

    public AgentWorker()
    {
        Receive<RunAgent>(OnRun);
        Receive<CancelSessionAgents>(c =>
        {
            if (_runs.Remove(c.SessionId, out var list))
                foreach (var cts in list) cts.Cancel();
        });
        Receive<RunEnded>(e =>
        {
            if (_runs.TryGetValue(e.SessionId, out var list))
            {
                list.Remove(e.Cancellation);
                if (list.Count == 0) _runs.Remove(e.SessionId);
            }
            e.Cancellation.Dispose();
        });
    }

    /// <summary>Plain Props, safe to deploy on a remote runner.</summary>
    public static Props Props() => Akka.Actor.Props.Create<AgentWorker>();

    private sealed record RunEnded(string SessionId, CancellationTokenSource Cancellation);

    protected override void PostStop()
    {
        foreach (var cts in _runs.Values.SelectMany(l => l)) cts.Cancel();
    }

    private void OnRun(RunAgent run)
    {
        run.ReplyTo.Tell(new SessionSignals.AgentAccepted(run.SessionId, run.Key, run.Attempt));
        var runtime = AgentRuntime.Get(Context.System);
        var cts = new CancellationTokenSource();
        var remaining = run.DeadlineAt - DateTimeOffset.UtcNow + Grace;
        cts.CancelAfter(remaining > TimeSpan.Zero ? remaining : Grace);
        if (!_runs.TryGetValue(run.SessionId, out var list)) _runs[run.SessionId] = list = [];
        list.Add(cts);

        var self = Self;
        var log = _log;
        _ = Task.Run(async () =>
        {
            try { await Execute(run, runtime, log, cts.Token).ConfigureAwait(false); }
            finally { self.Tell(new RunEnded(run.SessionId, cts)); }
        });
    }

    private static async Task Execute(RunAgent run, AgentRuntime runtime, ILoggingAdapter log, CancellationToken token)
    {
        using var activity = SreTelemetry.StartFrom("agent.run", run.TraceParent);
        activity?.SetTag("sre.session", run.SessionId);
        activity?.SetTag("sre.agent", run.Assignment.Agent);
        activity?.SetTag("sre.target", run.Assignment.Target);
        var clock = Stopwatch.StartNew();
        var redactor = runtime.Redactor;
        var tool = runtime.Tools.Find(run.Assignment.Agent);
        if (tool is null)
        {
            Finish(AgentRunState.Failed, $"no {run.Assignment.Agent} agent is installed on this node");
            return;
        }

        using var lease = run.Handle is null
            ? null
            : new ActorCredentialLease(run.CredentialActor, run.Handle.HandleId, run.SessionId, run.Assignment.Agent, run.Handle.Reference, redactor, runtime.RedeemTimeout);
        try
        {
            var toolRun = new ToolRun(run.SessionId, run.Target, run.Assignment.Checks, lease, run.DeadlineAt);
            await foreach (var finding in tool.RunAsync(toolRun, token).ConfigureAwait(false))
                run.ReplyTo.Tell(new SessionSignals.AgentFindingReported(run.SessionId, run.Key, run.Attempt, FindingScrubber.Scrub(finding, redactor)));
            Finish(AgentRunState.Completed, null);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            Finish(DateTimeOffset.UtcNow >= run.DeadlineAt ? AgentRunState.TimedOut : AgentRunState.Cancelled, "stopped");
        }
        catch (Exception e)
        {
            var message = redactor.Redact($"{e.GetType().Name}: {e.Message}");
            log.Warning("Agent {0} on {1} failed: {2}", run.Assignment.Agent, run.Assignment.Target, message);
            activity?.SetStatus(ActivityStatusCode.Error, message);
            Finish(AgentRunState.Failed, message);
        }

        void Finish(AgentRunState state, string? error)
        {
            var ms = clock.ElapsedMilliseconds;
            SreTelemetry.AgentDuration.Record(ms / 1000.0,
                new KeyValuePair<string, object?>("agent", run.Assignment.Agent),
                new KeyValuePair<string, object?>("state", state.ToWire()));
            activity?.SetTag("sre.agent.state", state.ToWire());
            run.ReplyTo.Tell(new SessionSignals.AgentFinished(run.SessionId, run.Key, run.Attempt, state, ms, error));
        }
    }
}
