using System.Net;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.EndToEnd;

/// <summary>What happens around the human decision: nobody answers, the stream keeps the
/// connection alive meanwhile, and everything lands in the audit trail.</summary>
public sealed class ApprovalLifecycleTests(TestDatabase db)
{
    [Fact]
    public async Task A_session_nobody_approves_expires_and_can_no_longer_be_approved()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Path.Combine(Path.GetTempPath(), "sre-expire-" + Guid.NewGuid().ToString("N")[..8]);
        await using var sre = await SreTestServer.StartAsync(TestConfig.Standard(db).Write(dir, "sre.sessions.approval-timeout = 2s"), dir, cancellationToken: ct);
        var id = await sre.DiagnoseAsync("Diagnose the database in prod", "prod", ct);
        await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");

        // While it waits, the stream sends keep-alive comments (every second in this configuration).
        var client = new SseClient();
        var events = new List<SseEvent>();
        await foreach (var e in client.ReadAsync(sre.Http, $"/stream/{id}", null, ct)) events.Add(e);
        Assert.True(client.Comments >= 2, $"keep-alive comments: {client.Comments}");
        Assert.Equal("expired", events[^1].Json.GetProperty("phase").GetString());

        var status = await sre.WaitForPhaseAsync(id, ct, "expired");
        Assert.Contains("in time", status.GetProperty("endReason").GetString());
        var (approve, _) = await sre.PostAsync($"/approve/{id}", new { approved = true }, ct);
        Assert.Equal(HttpStatusCode.Conflict, approve.StatusCode);

        var (_, audit) = await sre.GetAsync($"/audit?session={id}", ct);
        Assert.Contains(audit.GetProperty("records").EnumerateArray(), r => r.GetProperty("kind").GetString() == "expiry");
    }

    [Fact]
    public async Task The_audit_trail_records_the_request_the_approval_the_lease_and_the_redemption_without_secrets()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Path.Combine(Path.GetTempPath(), "sre-audit-" + Guid.NewGuid().ToString("N")[..8]);
        await using var sre = await SreTestServer.StartAsync(TestConfig.Standard(db).Write(dir), dir, cancellationToken: ct);
        var id = await sre.DiagnoseAsync("Diagnose the database in prod", "prod", ct);
        await sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        await sre.PostAsync($"/approve/{id}", new { approved = true, client = "test-suite" }, ct);
        await sre.WaitForPhaseAsync(id, ct, "completed");

        var (response, audit) = await sre.GetAsync($"/audit?session={id}", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var kinds = audit.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["request", "approval", "lease", "redemption", "revocation"], kinds.Where(k => k is "request" or "approval" or "lease" or "redemption" or "revocation").Distinct());
        var approval = audit.GetProperty("records").EnumerateArray().Single(r => r.GetProperty("kind").GetString() == "approval");
        Assert.Equal("local", approval.GetProperty("principal").GetString());
        Assert.Equal("test-suite", approval.GetProperty("client").GetString());
        Assert.Equal(TestConfig.ProdDb, approval.GetProperty("references")[0].GetString());
        Assert.DoesNotContain(TestDatabase.Password, audit.ToString());

        var lines = await sre.Http.GetStringAsync($"/audit?session={id}&format=jsonl", ct);
        Assert.Equal(kinds.Count, lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
