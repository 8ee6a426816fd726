using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Sre.Host.Mcp;

/// <summary>The rule an MCP <c>approve</c> call must pass: its <c>confirmation</c> quotes the human's
/// reply, and that reply reads as an approval of this session. It must say "approve" (approved,
/// approval …) or name the session id together with a plain yes (yes, ok, go ahead …), and it must
/// not hedge or refuse (no, not, don't, deny, wait, a question …). A refusal costs a round trip; a
/// false approval hands out production credentials, so every doubt refuses.
/// The Cursor before-MCP hook applies the same rule and also checks that the text is the user's
/// latest message (see <see cref="Normalize"/> and <see cref="Fingerprint"/>).</summary>
public static partial class ApprovalConfirmation
{
    public const int MaxLength = 500;

    public sealed record Verdict(bool Accepted, string Reason);

    private static readonly HashSet<string> ApproveWords = ["approve", "approved", "approves", "approving", "approval"];

    private static readonly HashSet<string> YesWords =
        ["yes", "y", "yep", "yeah", "yup", "ok", "okay", "sure", "go", "proceed", "lgtm", "confirm", "confirmed", "granted", "grant", "allow", "allowed", "accept", "accepted"];

    private static readonly HashSet<string> RefusalWords =
    [
        "no", "nope", "not", "never", "dont", "don't", "deny", "denied", "denies", "reject", "rejected", "refuse", "refused", "decline", "declined",
        "cancel", "stop", "wait", "hold", "later", "unless", "without", "disapprove", "disapproved", "revoke", "abort",
    ];

    public static Verdict Check(string? confirmation, string sessionId)
    {
        if (string.IsNullOrWhiteSpace(confirmation))
            return Refuse("No confirmation was given. Show the approval prompt to the user, ask whether to approve, and pass their reply word for word as `confirmation`.");
        var text = Normalize(confirmation);
        if (text.Length > MaxLength)
            return Refuse($"The confirmation is longer than {MaxLength} characters; it must be the user's reply approving the request, not the prompt or a summary.");
        if (text.Contains('?'))
            return Refuse("The confirmation is a question, not an approval. Ask the user and wait for a clear answer.");

        var words = Words().Matches(text).Select(m => m.Value.Trim('\'', '-')).Where(w => w.Length > 0).ToList();
        var refusal = words.FirstOrDefault(w => RefusalWords.Contains(w) || w.EndsWith("n't", StringComparison.Ordinal));
        if (refusal is not null)
            return Refuse($"The confirmation contains \"{refusal}\", which does not read as an approval. Approve only when the user clearly says so; if they declined, call `deny`.");

        var saysApprove = words.Any(ApproveWords.Contains);
        var namesSession = !string.IsNullOrEmpty(sessionId) && text.Contains(sessionId.Trim().ToLowerInvariant(), StringComparison.Ordinal);
        var saysYes = words.Any(YesWords.Contains) || text.Contains("go ahead", StringComparison.Ordinal);
        if (saysApprove || (namesSession && saysYes))
            return new Verdict(true, saysApprove ? "The user's words approve." : $"The user's words name {sessionId} and say yes.");
        return Refuse($"The confirmation does not approve: it must be the user's own words saying \"approve\" or naming {sessionId} with a yes. Ask the user; never approve on their behalf.");
    }

    /// <summary>Case, Unicode forms, curly quotes, surrounding quotes and runs of whitespace do not
    /// change what a person said.</summary>
    public static string Normalize(string text)
    {
        var s = text.Normalize(NormalizationForm.FormKC).ToLower(CultureInfo.InvariantCulture)
            .Replace('\u2019', '\'').Replace('\u2018', '\'').Replace('\u201c', '"').Replace('\u201d', '"');
        s = Whitespace().Replace(s, " ").Trim();
        while (s.Length >= 2 && s[0] is '"' or '\'' or '`' or '>' && (s[^1] is '"' or '\'' or '`' || s[0] == '>'))
            s = (s[0] == '>' ? s[1..] : s[1..^1]).Trim();
        return s.TrimEnd('.', '!', ' ');
    }

    /// <summary>A fingerprint of a normalized message: the hooks remember the user's prompts by it,
    /// never by their text.</summary>
    public static string Fingerprint(string text) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Normalize(text)))).ToLowerInvariant();

    private static Verdict Refuse(string reason) => new(false, reason);

    [GeneratedRegex(@"[\p{L}\p{N}'-]+")]
    private static partial Regex Words();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
