namespace Sre.Host.Hooks;

/// <summary>beforeSubmitPrompt: remember a fingerprint of what the user typed, so before-mcp can
/// check that an `approve` quotes the user's own latest message. Never blocks the user.</summary>
public static class BeforePromptHook
{
    public static HookAnswer Run(HookContext context)
    {
        var input = context.Input;
        if (input.ConversationId is { } conversation && input.Prompt is { } prompt)
        {
            try
            {
                context.State.RecordPrompt(conversation, prompt, input.GenerationId, context.Clock.GetUtcNow());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                context.Log.WriteLine($"sre hook before-prompt: could not record the prompt in {context.State.Directory}: {e.Message}");
            }
        }
        return HookAnswer.Continue();
    }
}
