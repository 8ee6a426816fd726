using Sre.Tools.Secrets;

namespace Sre.Tools.Llm;

/// <summary>What the model sees passes the process-wide redactor (live lease values and secret
/// shapes) and, when given, one more (a session's own, or a test's).</summary>
public sealed class LlmRedaction(SecretRedactor? extra = null)
{
    public static LlmRedaction Default { get; } = new();

    public string Redact(string? text)
    {
        // The extra redactor's live values go first: the shared one's shape patterns (password=…)
        // would otherwise mask part of a value and leave the rest where no live value matches it.
        var first = extra is null || ReferenceEquals(extra, SecretRedactor.Shared) ? text ?? "" : extra.Redact(text);
        return SecretRedactor.Shared.Redact(first);
    }
}
