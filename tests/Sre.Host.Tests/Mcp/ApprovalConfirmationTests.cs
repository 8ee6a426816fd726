using Sre.Host.Mcp;

namespace Sre.Host.Tests.Mcp;

/// <summary>The rule an approve call's confirmation must pass, as a specification.</summary>
public sealed class ApprovalConfirmationTests
{
    private const string Id = "s-3f2a9c01d4e7";

    [Theory]
    [InlineData("approve")]
    [InlineData("Approved.")]
    [InlineData("Yes, approve it")]
    [InlineData("yes approve s-3f2a9c01d4e7")]
    [InlineData("\"approve\"")]
    [InlineData("OK, go ahead with s-3f2a9c01d4e7")]
    [InlineData("s-3f2a9c01d4e7: yes")]
    [InlineData("You have my approval")]
    public void The_users_approving_words_pass(string confirmation) =>
        Assert.True(ApprovalConfirmation.Check(confirmation, Id).Accepted, ApprovalConfirmation.Check(confirmation, Id).Reason);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("yes")]                        // a bare yes names neither the session nor "approve"
    [InlineData("go ahead")]
    [InlineData("don't approve")]
    [InlineData("Do not approve s-3f2a9c01d4e7")]
    [InlineData("approve? what does it access")]
    [InlineData("I'd approve later")]
    [InlineData("no")]
    [InlineData("deny")]
    [InlineData("approve, but not the staging credential")]
    [InlineData("I can't approve that")]
    [InlineData("yes for s-000000000000")]     // another session
    public void Anything_else_is_refused(string? confirmation) =>
        Assert.False(ApprovalConfirmation.Check(confirmation, Id).Accepted);

    [Fact]
    public void The_approval_prompt_itself_is_not_a_confirmation()
    {
        var prompt = $"To diagnose \"db\" in prod, session {Id} needs read access to 1 credential(s): ... Approve or deny before 2026-11-23 23:00:00Z.";
        Assert.False(ApprovalConfirmation.Check(prompt, Id).Accepted);
    }

    [Fact]
    public void A_long_text_is_refused_as_not_a_reply() =>
        Assert.False(ApprovalConfirmation.Check("approve " + new string('x', 600), Id).Accepted);

    [Fact]
    public void Fingerprints_ignore_case_spacing_quotes_and_final_punctuation()
    {
        Assert.Equal(ApprovalConfirmation.Fingerprint("Yes, approve it"), ApprovalConfirmation.Fingerprint("  \"yes,   APPROVE it!\" "));
        Assert.Equal(ApprovalConfirmation.Fingerprint("it’s fine, approve"), ApprovalConfirmation.Fingerprint("it's fine, approve"));
        Assert.NotEqual(ApprovalConfirmation.Fingerprint("approve it"), ApprovalConfirmation.Fingerprint("approve"));
    }
}
