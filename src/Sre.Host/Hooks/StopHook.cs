using Sre.Host.Client;

namespace Sre.Host.Hooks;

/// <summary>stop / sessionEnd: cancel this conversation's sessions still waiting for approval, so no
/// request for production credentials outlives the conversation that would answer it.
/// Cursor runs `stop` at the end of every agent turn — including the turn that just showed the
/// approval prompt and now waits for the user's reply. So on `stop` it cancels only when the turn
/// was aborted or failed (nobody will relay an answer); on `sessionEnd` (the conversation is closed)
/// always. `--always` cancels on every stop.</summary>
public static class StopHook
{
    public static async Task<HookAnswer> RunAsync(HookContext context, bool always, bool conversationEnded)
    {
        var input = context.Input;
        if (input.ConversationId is not { } conversation)
        {
            context.Log.WriteLine("sre hook stop: no conversation_id in the input; nothing to cancel.");
            return HookAnswer.Empty();
        }
        var ended = conversationEnded || string.Equals(input.Event, "sessionEnd", StringComparison.OrdinalIgnoreCase);
        var abandoned = input.Status is { } s && !s.Equals("completed", StringComparison.OrdinalIgnoreCase);
        if (ended) context.State.Forget(conversation);
        if (!(always || ended || abandoned)) return HookAnswer.Empty();

        try
        {
            var waiting = await context.Client.SessionsAsync(Phases.WaitingForInput, 100, conversation, context.Deadline);
            var reason = ended ? "The Cursor conversation ended" : $"The Cursor agent stopped ({input.Status ?? "stop"}) before the approval was answered";
            var results = await Task.WhenAll(waiting.Select(async w =>
            {
                try
                {
                    await context.Client.CancelAsync(w.SessionId, reason, context.Deadline);
                    return $"cancelled {w.SessionId}";
                }
                catch (SreClientException e)
                {
                    return $"could not cancel {w.SessionId}: {e.Message}";
                }
            }));
            foreach (var r in results) context.Log.WriteLine($"sre hook stop: {r}");
        }
        catch (SreClientException e)
        {
            context.Log.WriteLine($"sre hook stop: could not list this conversation's sessions: {e.Message}");
        }
        return HookAnswer.Empty();
    }
}
