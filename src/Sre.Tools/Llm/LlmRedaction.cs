using Sre.Tools.Secrets;

namespace Sre.Tools.Llm;

/// <summary>What the model sees passes the process-wide redactor (live lease values and secret
/// shapes) and, when given, one more (a session's own, or a test's).</summary>
public sealed class LlmRedaction(SecretRedactor? extra = null)
{
    public static LlmRedaction Default { get; } = new();

    public string Redact(string? text)
    {
        var once = SecretRedactor.Shared.Redact(text);
        return extra is null || ReferenceEquals(extra, SecretRedactor.Shared) ? once : extra.Redact(once);
    }
}
