using Sre.Tools.Llm;

namespace Sre.Tools.Tests.Llm;

public sealed class LlmOptionsTests
{
    [Theory]
    [InlineData(null, "gpt-4.1", false)]
    [InlineData("", "gpt-4.1", false)]
    [InlineData("api.openai.com/v1", "gpt-4.1", false)]
    [InlineData("ftp://models.internal/v1", "gpt-4.1", false)]
    [InlineData("http://127.0.0.1:11434/v1", "", false)]
    [InlineData("https://api.openai.com/v1", "gpt-4.1", true)]
    [InlineData("http://127.0.0.1:11434/v1", "llama3.1", true)]
    public void Only_an_absolute_http_endpoint_with_a_model_counts_as_configured(string? endpoint, string model, bool configured) =>
        Assert.Equal(configured, new LlmOptions { Endpoint = endpoint, Model = model }.IsConfigured);

    [Fact]
    public void An_unconfigured_endpoint_cannot_build_a_chat() =>
        Assert.Throws<ArgumentException>(() => new LlmChat(new LlmOptions()));

    [Theory]
    [InlineData("{\"a\": 1}")]
    [InlineData("```json\n{\"a\": 1}\n```")]
    [InlineData("Here is the plan:\n{\"a\": 1}\nHope it helps.")]
    public void A_json_object_is_read_from_plain_fenced_or_chatty_answers(string text) =>
        Assert.Equal(1, LlmChat.ParseObject(text)!["a"]!.GetValue<int>());

    [Theory]
    [InlineData("")]
    [InlineData("[1, 2]")]
    [InlineData("{\"a\": ")]
    public void Anything_else_is_not_an_answer(string text) => Assert.Null(LlmChat.ParseObject(text));
}
