using System.Net;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.Scenarios;

/// <summary>Diagnoses a scenario the way an engineer does, over the server's HTTP API.</summary>
public static class SessionDiagnosis
{
    private static readonly string[] Terminal = ["completed", "failed", "denied", "expired", "cancelled"];

    /// <summary>A full diagnosis as an engineer runs it: POST /diagnose for the environment, wait for the
    /// approval prompt, approve the read-only access, wait until the session completes, GET /report.</summary>
    public static async Task<SessionReport> DiagnoseThroughSessionAsync(this SreTestServer sre, string environment, string problem, CancellationToken cancellationToken)
    {
        var id = await sre.DiagnoseAsync(problem, environment, cancellationToken);
        var waiting = await sre.WaitForPhaseAsync(id, cancellationToken, ["waiting_for_input", .. Terminal]);
        Assert.True(waiting.GetProperty("phase").GetString() == "waiting_for_input", $"session {id} never asked for approval: {waiting}");
        // The planner read the problem as a database one and asks for exactly this target's credential.
        var access = Assert.Single(waiting.GetProperty("requestedAccess").EnumerateArray());
        Assert.Equal(ScenarioCatalog.Credential(environment), access.GetProperty("reference").GetString());

        var (approved, status) = await sre.PostAsync($"/approve/{id}", new { approved = true }, cancellationToken);
        Assert.True(approved.StatusCode == HttpStatusCode.OK, $"approve answered {(int)approved.StatusCode}: {status}");

        var done = await sre.WaitForPhaseAsync(id, cancellationToken, Terminal);
        Assert.True(done.GetProperty("phase").GetString() == "completed", $"session {id} ended {done}");
        var (response, report) = await sre.GetAsync($"/report/{id}", cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"report answered {(int)response.StatusCode}: {report}");
        var result = new SessionReport(id, report);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString());
        return result;
    }
}
