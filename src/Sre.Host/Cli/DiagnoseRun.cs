using Sre.Host.Client;

namespace Sre.Host.Cli;

/// <summary>One `sre diagnose` from request to report. The approval question and the event stream
/// run side by side, so an approval given elsewhere (the console, another terminal) or an expiry
/// ends the question instead of leaving the prompt hanging.</summary>
public sealed class DiagnoseRun(SreClient client, DiagnoseView view)
{
    /// <summary>true: --approve; false: --deny; null: ask on stdin.</summary>
    public bool? Decision { get; init; }
    public string? DenyReason { get; init; }
    public IReadOnlyList<string>? References { get; init; }

    /// <summary>Reads one answer line; null at end of input. Console.In by default.</summary>
    public Func<string?> ReadLine { get; init; } = Console.In.ReadLine;

    public async Task<int> RunAsync(string problem, string? environment, IReadOnlyDictionary<string, string>? context, CancellationToken cancellationToken)
    {
        var accepted = await client.DiagnoseAsync(problem, environment, context, conversationId: null, cancellationToken);
        var id = accepted.SessionId;
        view.Started(accepted, client.Options.Server, environment);
        try
        {
            return await FollowAsync(id, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await InterruptedAsync(id);
        }
    }

    private async Task<int> FollowAsync(string id, CancellationToken cancellationToken)
    {
        await using var events = client.StreamAsync(id, after: null, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var next = events.MoveNextAsync().AsTask();
        Task<string?>? answer = null;
        // The journal records the prompt just before the waiting phase: ask once both are shown (or
        // shortly after the prompt, should the phase event not follow).
        Task? askDue = null;
        bool prompted = false, waiting = false, decided = false;
        string? phase = null, reason = null;
        while (true)
        {
            var pending = new List<Task> { next };
            if (answer is not null) pending.Add(answer);
            if (askDue is not null) pending.Add(askDue);
            var first = pending.Count == 1 ? next : await Task.WhenAny(pending);
            if (first == askDue)
            {
                askDue = null;
                answer = await AskAsync(id, cancellationToken);
                decided |= answer is null;
                continue;
            }
            if (first == answer)
            {
                var line = await answer!;
                answer = null;
                decided = true;
                var yes = line is not null && line.Trim().ToLowerInvariant() is "y" or "yes";
                if (line is null) view.Note("No answer (end of input): denying. Pass --approve to approve without a terminal.");
                await DecideAsync(id, yes, line is null ? "eof" : "stdin", cancellationToken);
                continue;
            }
            if (!await next) break;
            var e = events.Current;
            view.Event(e);
            prompted |= e.Name == "approval_required";
            waiting |= e.Name == "phase" && e.Text("phase") == Phases.WaitingForInput;
            if (e.Name is "approved" or "denied")
            {
                if (answer is not null) view.Note("(decided elsewhere; no need to answer)");
                answer = null;
                askDue = null;
                decided = true;
            }
            if (prompted && !decided && answer is null && askDue is null)
                askDue = waiting ? Task.CompletedTask : Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
            if (e.IsFinal)
            {
                phase = e.Text("phase");
                reason = e.Text("reason");
                break;
            }
            next = events.MoveNextAsync().AsTask();
        }

        if (phase is null)
        {
            var status = await client.StatusAsync(id, cancellationToken);
            phase = status.Phase;
            reason = status.EndReason;
        }
        if (phase is Phases.Completed or Phases.Failed)
        {
            try
            {
                view.Report(await client.ReportMarkdownAsync(id, cancellationToken));
            }
            catch (SreClientException e) when (e.Kind is SreErrorKind.Conflict or SreErrorKind.NotFound && phase != Phases.Completed)
            {
                // A failed session may have no report.
            }
        }
        var code = ExitCodes.ForPhase(phase);
        view.Ended(phase, reason, code);
        return code;
    }

    /// <summary>Decides at once with --approve/--deny (null: decided), or asks and returns the pending answer.</summary>
    private async Task<Task<string?>?> AskAsync(string id, CancellationToken cancellationToken)
    {
        if (Decision is { } flag)
        {
            await DecideAsync(id, flag, flag ? "--approve" : "--deny", cancellationToken);
            return null;
        }
        view.Ask();
        var read = ReadLine;
        return Task.Run(read, CancellationToken.None);
    }

    private async Task DecideAsync(string id, bool approve, string how, CancellationToken cancellationToken)
    {
        view.Decided(approve, how);
        try
        {
            if (approve) await client.ApproveAsync(id, References, cancellationToken);
            else await client.DenyAsync(id, DenyReason ?? how switch
            {
                "stdin" => "Declined in the terminal",
                "eof" => "No answer in the terminal",
                _ => "Denied with --deny",
            }, cancellationToken);
        }
        catch (SreClientException e) when (e.Kind == SreErrorKind.Conflict)
        {
            // Expired or decided by someone else in the meantime: the stream tells how it ended.
            view.Note(e.Message);
        }
        catch (SreClientException e) when (e.Kind == SreErrorKind.Forbidden)
        {
            // A requester without the approver role: someone who has it decides, and we keep watching.
            view.Note($"{e.Message} Waiting for an approver: they can run `sre approve {id}` or `sre deny {id}`.");
        }
        catch (SreClientException)
        {
            view.Note($"Session {id} still waits for a decision: `sre approve {id}` or `sre deny {id}`.");
            throw;
        }
    }

    /// <summary>Ctrl-C: cancel the session on the server (bounded, since the user wants out) and
    /// exit 130.</summary>
    private async Task<int> InterruptedAsync(string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await client.CancelAsync(id, "Interrupted with Ctrl-C in the terminal", timeout.Token);
            view.Note($"Interrupted: cancelled session {id}.");
        }
        catch (Exception e) when (e is SreClientException or OperationCanceledException)
        {
            view.Note($"Interrupted, but could not cancel session {id}: {e.Message} Cancel it with `sre cancel {id}`.");
        }
        view.Ended(Phases.Cancelled, "interrupted", ExitCodes.Interrupted);
        return ExitCodes.Interrupted;
    }
}
