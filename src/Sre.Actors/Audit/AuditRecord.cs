using Sre.Actors.Serialization;

namespace Sre.Actors.Audit;

/// <summary>One entry of the append-only audit trail: who did what to which session and which
/// references, when, from which client. Never a secret value.</summary>
public sealed record AuditRecord(
    string Kind,
    DateTimeOffset At,
    string? SessionId,
    string? Principal,
    IReadOnlyList<string>? References,
    string? Client,
    string Detail) : ISreMessage;

/// <summary>Kinds of audit records.</summary>
public static class AuditKind
{
    public const string Request = "request";
    public const string Approval = "approval";
    public const string Denial = "denial";
    public const string Expiry = "expiry";
    public const string Cancel = "cancel";
    public const string Lease = "lease";
    public const string LeaseFailure = "lease_failure";
    public const string Redemption = "redemption";
    public const string Refusal = "refusal";
    public const string Revocation = "revocation";
    public const string Security = "security";
    public const string ToolCall = "tool_call";
}
