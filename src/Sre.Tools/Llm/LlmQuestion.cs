using System.Text.Json.Nodes;

namespace Sre.Tools.Llm;

/// <summary>One structured question: instructions, the material (already built from catalog names
/// and redacted findings), and the JSON schema the answer must follow.</summary>
public sealed record LlmQuestion(
    string Purpose,
    string Instructions,
    string Material,
    string AnswerName,
    string AnswerDescription,
    JsonObject Schema);

/// <summary>The model's answer as a JSON object, or null when the call failed (see <see cref="Call"/>).</summary>
public sealed record LlmAnswer(JsonObject? Json, LlmCall Call)
{
    public bool Succeeded => Json is not null && Call.Succeeded;
}
