using Sre.Host.Configuration;
using Sre.Tools.Agents;
using Sre.Tools.Llm;
using Sre.Tools.Planning;
using Sre.Tools.Secrets;
using Sre.Tools.Synthesis;

namespace Sre.Host.Hosting;

/// <summary>Chooses the planner and synthesizer: the LLM ones (falling back to the rules on any
/// failure) when sre.llm.endpoint is set, the rules otherwise.</summary>
public static class Orchestration
{
    public static (IPlanner Planner, ISynthesizer Synthesizer, LlmInvestigator? Investigator, LlmOptions? Llm) Create(
        SreSettings settings, DiagnosticToolRegistry tools, ISecretProvider secrets, SecretRedactor redactor)
    {
        var options = LlmOptionsFrom(settings, secrets, redactor);
        if (options is null || !options.IsConfigured)
            return (new RuleBasedPlanner(tools), new RuleBasedSynthesizer(), null, null);
        var chat = new LlmChat(options, new LlmRedaction(redactor));
        return (new LlmPlanner(chat, tools, new RuleBasedPlanner(tools)), new LlmSynthesizer(chat, new RuleBasedSynthesizer()),
            options.MaxFollowUpRounds > 0 ? new LlmInvestigator(chat, tools) : null, options);
    }

    private static LlmOptions? LlmOptionsFrom(SreSettings settings, ISecretProvider secrets, SecretRedactor redactor)
    {
        var c = settings.Llm;
        var endpoint = c.GetString("endpoint", "");
        if (string.IsNullOrWhiteSpace(endpoint)) return null;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out _))
            throw new InvalidConfigurationException($"sre.llm.endpoint must be an absolute URL such as https://api.openai.com/v1, not '{endpoint}'");

        var key = c.GetString("api-key", "");
        var reference = c.GetString("api-key-reference", "");
        if (string.IsNullOrWhiteSpace(key) && !string.IsNullOrWhiteSpace(reference))
        {
            if (!SecretReference.TryParse(reference, out var parsed, out var problem))
                throw new InvalidConfigurationException($"sre.llm.api-key-reference '{reference}' is invalid: {problem}");
            try
            {
                // The server's own credential, fetched once at start (not a diagnosis credential).
                using var bundle = secrets.FetchAsync(parsed, CancellationToken.None).GetAwaiter().GetResult();
                key = parsed.IsItemLevel ? bundle.Field("credential") ?? bundle.Field("api-key") ?? bundle.Field("password") : bundle.Value;
            }
            catch (SecretFetchException e)
            {
                throw new InvalidConfigurationException($"sre.llm.api-key-reference: {e.Message}");
            }
        }
        if (!string.IsNullOrEmpty(key)) redactor.Register([key]);

        return new LlmOptions
        {
            Endpoint = endpoint,
            Model = c.GetString("model", "gpt-4.1"),
            ApiKey = string.IsNullOrWhiteSpace(key) ? null : key,
            Timeout = c.GetTimeSpan("timeout", TimeSpan.FromSeconds(60)),
            MaxOutputTokens = c.GetInt("max-tokens", 2000),
            Temperature = (float)c.GetDouble("temperature", 0.1),
            MaxFollowUpRounds = c.GetInt("max-follow-up-rounds", 2),
            Streaming = c.GetBoolean("streaming", false),
            AnswerStyle = c.GetString("answer-style", "structured-output") == "tool-call" ? LlmAnswerStyle.ToolCall : LlmAnswerStyle.StructuredOutput,
        };
    }
}
