using System.Net;
using System.Text;
using System.Text.Json;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.Api;

/// <summary>Bad input gets a clear problem+json 4xx, never a 500, never creates a session and never
/// harms an existing one.</summary>
public sealed class BadInputTests(SharedServer server) : IClassFixture<SharedServer>
{
    private SreTestServer Sre => server.Sre;

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    private async Task<HttpResponseMessage> PostRaw(string path, string body, string contentType = "application/json") =>
        await Sre.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType), TestContext.Current.CancellationToken);

    private async Task<int> SessionCount()
    {
        var (_, list) = await Sre.GetAsync("/sessions?limit=1000", TestContext.Current.CancellationToken);
        return list.GetProperty("sessions").GetArrayLength();
    }

    [Fact]
    public async Task An_unknown_environment_is_named_with_the_known_ones()
    {
        var before = await SessionCount();
        var problem = await Problem(await PostRaw("/diagnose", """{"problem": "db down", "environment": "prd"}"""), HttpStatusCode.BadRequest);
        Assert.Equal("Unknown environment 'prd'", problem.GetProperty("title").GetString());
        Assert.Equal("Known: prod, staging", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await SessionCount());
    }

    [Theory]
    [InlineData("""{"problem": "", "environment": "prod"}""")]
    [InlineData("""{"problem": "   ", "environment": "prod"}""")]
    [InlineData("""{"environment": "prod"}""")]
    public async Task An_empty_problem_is_refused(string body)
    {
        var problem = await Problem(await PostRaw("/diagnose", body), HttpStatusCode.BadRequest);
        Assert.Equal("Describe the problem", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Without_an_environment_a_server_with_several_asks_which_one()
    {
        var problem = await Problem(await PostRaw("/diagnose", """{"problem": "db down"}"""), HttpStatusCode.BadRequest);
        Assert.Contains("prod, staging", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("{\"problem\": \"db down\", ")]
    [InlineData("not json at all")]
    [InlineData("""{"problem": 42}""")]
    [InlineData("""[1, 2, 3]""")]
    public async Task Malformed_json_is_a_bad_request_saying_where(string body)
    {
        var before = await SessionCount();
        var problem = await Problem(await PostRaw("/diagnose", body), HttpStatusCode.BadRequest);
        Assert.Equal("Malformed JSON in the request body", problem.GetProperty("title").GetString());
        Assert.Equal(before, await SessionCount());
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_the_limit()
    {
        var huge = JsonSerializer.Serialize(new { problem = new string('x', 100_000), environment = "prod" });
        var problem = await Problem(await PostRaw("/diagnose", huge), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("16384 bytes", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused()
    {
        await Problem(await PostRaw("/diagnose", "problem=db", "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_non_string_context_value_is_refused()
    {
        var problem = await Problem(await PostRaw("/diagnose", """{"problem": "db", "environment": "prod", "context": {"service": 5}}"""), HttpStatusCode.BadRequest);
        Assert.Contains("service", problem.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("GET", "/status/s-doesnotexist")]
    [InlineData("GET", "/report/s-doesnotexist")]
    [InlineData("GET", "/stream/s-doesnotexist")]
    [InlineData("POST", "/approve/s-doesnotexist")]
    [InlineData("POST", "/cancel/s-doesnotexist")]
    [InlineData("GET", "/status/..%2F..%2Fetc")]
    [InlineData("GET", "/status/x")]
    public async Task An_unknown_session_id_is_not_found(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = new StringContent("""{"approved": true}""", Encoding.UTF8, "application/json");
        var problem = await Problem(await Sre.Http.SendAsync(request, TestContext.Current.CancellationToken), HttpStatusCode.NotFound);
        Assert.StartsWith("Unknown session", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Approving_twice_is_a_conflict_and_the_session_still_completes()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await Sre.DiagnoseAsync("Diagnose the database connection failures in prod", "prod", ct);
        await Sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        var (first, _) = await Sre.PostAsync($"/approve/{id}", new { approved = true }, ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var problem = await Problem(await PostRaw($"/approve/{id}", """{"approved": true}"""), HttpStatusCode.Conflict);
        Assert.Contains("already approved", problem.GetProperty("title").GetString());
        var done = await Sre.WaitForPhaseAsync(id, ct, "completed", "failed");
        Assert.Equal("completed", done.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task Approving_after_a_denial_is_a_conflict_and_the_denial_stands()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await Sre.DiagnoseAsync("Diagnose the database in prod", "prod", ct);
        await Sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        var (denied, status) = await Sre.PostAsync($"/approve/{id}", new { approved = false, reason = "not during the freeze" }, ct);
        Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
        Assert.Equal("denied", status.GetProperty("phase").GetString());
        var problem = await Problem(await PostRaw($"/approve/{id}", """{"approved": true}"""), HttpStatusCode.Conflict);
        Assert.Contains("denied", problem.GetProperty("title").GetString());
        var (_, after) = await Sre.GetAsync($"/status/{id}", ct);
        Assert.Equal("denied", after.GetProperty("phase").GetString());
        Assert.Contains("not during the freeze", after.GetProperty("endReason").GetString());
        await Problem(await Sre.Http.GetAsync($"/report/{id}", ct), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task An_approval_without_a_decision_or_with_an_unrequested_reference_is_a_bad_request()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await Sre.DiagnoseAsync("Diagnose the database in prod", "prod", ct);
        await Sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        var missing = await Problem(await PostRaw($"/approve/{id}", "{}"), HttpStatusCode.BadRequest);
        Assert.Equal("Say whether you approve", missing.GetProperty("title").GetString());
        var unknown = await Problem(await PostRaw($"/approve/{id}", """{"approved": true, "references": ["op://Infrastructure/root"]}"""), HttpStatusCode.BadRequest);
        Assert.Contains("was not requested", unknown.GetProperty("title").GetString());
        var (_, status) = await Sre.GetAsync($"/status/{id}", ct);
        Assert.Equal("waiting_for_input", status.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task The_report_of_a_running_session_is_a_conflict()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await Sre.DiagnoseAsync("Diagnose the database in prod", "prod", ct);
        await Sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        var problem = await Problem(await Sre.Http.GetAsync($"/report/{id}", ct), HttpStatusCode.Conflict);
        Assert.Contains("not finished", problem.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("/sessions?phase=sleeping")]
    [InlineData("/sessions?limit=0")]
    [InlineData("/sessions?limit=abc")]
    [InlineData("/audit?since=yesterday")]
    [InlineData("/stream/s-abc?lastEventId=-4")]
    public async Task Bad_query_parameters_are_bad_requests(string path) =>
        await Problem(await Sre.Http.GetAsync(path, TestContext.Current.CancellationToken), HttpStatusCode.BadRequest);

    [Fact]
    public async Task Cancelling_a_waiting_session_ends_it_and_a_second_cancel_is_a_conflict()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await Sre.DiagnoseAsync("Diagnose the database in prod", "prod", ct);
        await Sre.WaitForPhaseAsync(id, ct, "waiting_for_input");
        var (cancel, status) = await Sre.PostAsync($"/cancel/{id}", null, ct);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", status.GetProperty("phase").GetString());
        await Problem(await Sre.Http.PostAsync($"/cancel/{id}", null, ct), HttpStatusCode.Conflict);
    }
}
