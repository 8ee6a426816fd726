using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Sre.Host.Configuration;
using Sre.Host.Tests.Support;
using Sre.Testing.OnePassword;
using Sre.Tools.Json;

namespace Sre.Host.Tests.Security;

/// <summary>Bearer tokens, roles, the two-person rule, partial approval and the audit trail, with
/// credentials served by a wire-faithful 1Password Connect.</summary>
public sealed class AccessControlTests(TestDatabase db)
{
    private const string Alice = "alice-token-9c1f", Bob = "bob-token-44ad", Carol = "carol-token-e0b2", Dave = "dave-token-77aa", Eve = "eve-token-1d3c";
    private const string ReplicaDb = "op://Infrastructure/replica-db";

    private string _prodItem = "", _replicaItem = "";

    private async Task<(SreTestServer Sre, FakeConnectServer Connect)> StartAsync(TestDatabase db, CancellationToken ct)
    {
        var connect = await FakeConnectServer.StartAsync(cancellationToken: ct);
        _prodItem = connect.AddLogin("Infrastructure", "prod-db", TestDatabase.User, TestDatabase.Password).Id;
        _replicaItem = connect.AddLogin("Infrastructure", "replica-db", TestDatabase.User, TestDatabase.Password).Id;
        string Token(string token, string name, string roles) =>
            $"{{ sha256 = \"{AuthToken.Hash(token)}\", principal = {name}, roles = [{roles}] }}";
        var dir = Path.Combine(Path.GetTempPath(), "sre-auth-" + Guid.NewGuid().ToString("N")[..8]);
        var config = $$"""
            sre {
              environments.prod.targets = [
                { kind = postgres, name = prod-db, host = "127.0.0.1", port = {{db.Server.Port}}, database = {{TestDatabase.Database}}, credential = "{{TestConfig.ProdDb}}" }
                { kind = postgres, name = replica-db, host = "127.0.0.1", port = {{db.Server.Port}}, database = {{TestDatabase.Database}}, credential = "{{ReplicaDb}}" }
              ]
              secrets {
                provider = onepassword-connect
                onepassword-connect { url = "{{connect.Url}}", token = "{{connect.Token}}" }
              }
              sessions.require-distinct-approver = on
              auth.tokens = [
                {{Token(Alice, "alice", "requester")}}
                {{Token(Bob, "bob", "approver")}}
                {{Token(Carol, "carol", "admin")}}
                {{Token(Dave, "dave", "requester, approver")}}
                {{Token(Eve, "eve", "requester")}}
              ]
            }
            """;
        return (await SreTestServer.StartAsync(config, dir, cancellationToken: ct), connect);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Call(SreTestServer sre, string? token, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body, options: SreJson.Options);
        var response = await sre.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<string> Diagnose(SreTestServer sre, string token)
    {
        var (status, body) = await Call(sre, token, HttpMethod.Post, "/diagnose", new { problem = "Diagnose the database connection failures in prod", environment = "prod" });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = body.GetProperty("sessionId").GetString()!;
        for (var i = 0; i < 200; i++)
        {
            var (_, s) = await Call(sre, Carol, HttpMethod.Get, $"/status/{id}");
            if (s.GetProperty("phase").GetString() == "waiting_for_input") return id;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException("never waited for input");
    }

    private static async Task<JsonElement> AwaitPhase(SreTestServer sre, string id, string phase)
    {
        for (var i = 0; i < 600; i++)
        {
            var (_, s) = await Call(sre, Carol, HttpMethod.Get, $"/status/{id}");
            if (s.GetProperty("phase").GetString() == phase) return s;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"never reached {phase}");
    }

    private static async Task<List<JsonElement>> Audit(SreTestServer sre, string id, string kind)
    {
        for (var i = 0; i < 100; i++)
        {
            var (_, body) = await Call(sre, Carol, HttpMethod.Get, $"/audit?session={id}");
            var records = body.GetProperty("records").EnumerateArray().Where(r => r.GetProperty("kind").GetString() == kind).ToList();
            if (records.Count > 0) return records;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        return [];
    }

    [Fact]
    public async Task Requests_without_a_known_token_are_refused_but_probes_stay_open()
    {
        var (sre, connect) = await StartAsync(db, TestContext.Current.CancellationToken);
        await using var _ = sre;
        await using var __ = connect;
        var (none, problem) = await Call(sre, null, HttpMethod.Post, "/diagnose", new { problem = "x", environment = "prod" });
        Assert.Equal(HttpStatusCode.Unauthorized, none);
        Assert.Equal("Authentication required", problem.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Call(sre, "not-a-token", HttpMethod.Get, "/sessions")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Call(sre, null, HttpMethod.Get, "/health/ready")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Call(sre, Bob, HttpMethod.Post, "/diagnose", new { problem = "x", environment = "prod" })).Status);
    }

    [Fact]
    public async Task Only_an_approver_other_than_the_requester_may_approve_and_every_refusal_is_audited()
    {
        var (sre, connect) = await StartAsync(db, TestContext.Current.CancellationToken);
        await using var _ = sre;
        await using var __ = connect;

        var aliceSession = await Diagnose(sre, Alice);
        var (byRequester, problem) = await Call(sre, Alice, HttpMethod.Post, $"/approve/{aliceSession}", new { approved = true });
        Assert.Equal(HttpStatusCode.Forbidden, byRequester);
        Assert.Contains("may not approve", problem.GetProperty("title").GetString());
        var refusal = Assert.Single(await Audit(sre, aliceSession, "refusal"));
        Assert.Equal("alice", refusal.GetProperty("principal").GetString());

        var daveSession = await Diagnose(sre, Dave);
        var (selfApproval, selfProblem) = await Call(sre, Dave, HttpMethod.Post, $"/approve/{daveSession}", new { approved = true });
        Assert.Equal(HttpStatusCode.Forbidden, selfApproval);
        Assert.Contains("requested it", selfProblem.GetProperty("title").GetString());

        var (approved, status) = await Call(sre, Bob, HttpMethod.Post, $"/approve/{aliceSession}", new { approved = true });
        Assert.Equal(HttpStatusCode.OK, approved);
        Assert.Equal("bob", status.GetProperty("approvals")[0].GetProperty("principal").GetString());
        var (denied, _) = await Call(sre, Bob, HttpMethod.Post, $"/approve/{daveSession}", new { approved = false, reason = "not now" });
        Assert.Equal(HttpStatusCode.OK, denied);
        Assert.Contains("not now", Assert.Single(await Audit(sre, daveSession, "denial")).GetProperty("detail").GetString());
        await AwaitPhase(sre, aliceSession, "completed");

        // The audit trail: admins see everything; the requester and approver see their session; others nothing.
        Assert.Equal(HttpStatusCode.OK, (await Call(sre, Carol, HttpMethod.Get, "/audit")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Call(sre, Alice, HttpMethod.Get, "/audit")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Call(sre, Alice, HttpMethod.Get, $"/audit?session={aliceSession}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Call(sre, Bob, HttpMethod.Get, $"/audit?session={aliceSession}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Call(sre, Eve, HttpMethod.Get, $"/audit?session={aliceSession}")).Status);

        // Requesters list only their own sessions.
        var (_, mine) = await Call(sre, Alice, HttpMethod.Get, "/sessions");
        Assert.All(mine.GetProperty("sessions").EnumerateArray(), s => Assert.Equal("alice", s.GetProperty("requester").GetString()));
    }

    [Fact]
    public async Task A_partial_approval_fetches_only_the_approved_reference_and_the_other_agent_reports_not_approved()
    {
        var (sre, connect) = await StartAsync(db, TestContext.Current.CancellationToken);
        await using var _ = sre;
        await using var __ = connect;
        var id = await Diagnose(sre, Alice);
        var (_, waiting) = await Call(sre, Alice, HttpMethod.Get, $"/status/{id}");
        Assert.Equal(2, waiting.GetProperty("requestedAccess").GetArrayLength());

        var (approved, _) = await Call(sre, Bob, HttpMethod.Post, $"/approve/{id}", new { approved = true, references = new[] { TestConfig.ProdDb } });
        Assert.Equal(HttpStatusCode.OK, approved);
        var done = await AwaitPhase(sre, id, "completed");

        var agents = done.GetProperty("agents").EnumerateArray().ToDictionary(a => a.GetProperty("target").GetString()!, a => a.GetProperty("state").GetString());
        Assert.Equal("completed", agents["prod-db"]);
        Assert.Equal("not_approved", agents["replica-db"]);
        // The unapproved item was never read from 1Password.
        Assert.Contains(connect.Requests, r => r.Path.EndsWith(_prodItem));
        Assert.DoesNotContain(connect.Requests, r => r.Path.Contains(_replicaItem) || (r.Filter?.Contains("replica-db") ?? false));
        var lease = Assert.Single(await Audit(sre, id, "lease"));
        Assert.Equal(TestConfig.ProdDb, lease.GetProperty("references")[0].GetString());
    }
}
