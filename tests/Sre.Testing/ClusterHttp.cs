using System.Text;
using System.Text.Json;

namespace Sre.Testing;

/// <summary>What the cluster tests and the cluster benchmark ask a main node over HTTP: the member
/// list, and a diagnosis of prod approved as soon as it asks.</summary>
public sealed class ClusterHttp(string url) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(url) };

    public async Task<JsonElement> ClusterAsync(CancellationToken ct) =>
        JsonDocument.Parse(await _http.GetStringAsync("/cluster", ct)).RootElement.Clone();

    /// <summary>The cluster state once exactly <paramref name="count"/> members are all up; the
    /// nodes' logs (from <paramref name="logs"/>) in the error when that never happens.</summary>
    public async Task<JsonElement> WaitForMembersAsync(int count, Func<string> logs, CancellationToken ct)
    {
        for (var i = 0; i < 300; i++)
        {
            try
            {
                var state = await ClusterAsync(ct);
                var members = state.GetProperty("members");
                if (members.GetArrayLength() == count && members.EnumerateArray().All(m => m.GetProperty("status").GetString() == "up"))
                    return state;
            }
            catch (HttpRequestException) { } // the node is still starting
            await Task.Delay(200, ct);
        }
        throw new TimeoutException($"never saw {count} members up\n{logs()}");
    }

    /// <summary>Diagnoses prod, approves when asked, and returns the final status.</summary>
    public async Task<JsonElement> DiagnoseApprovingAsync(CancellationToken ct)
    {
        var response = await _http.PostAsync("/diagnose", Json("""{"problem": "Diagnose the database connection failures in prod", "environment": "prod"}"""), ct);
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
            throw new InvalidOperationException($"POST /diagnose answered {(int)response.StatusCode}, not 202: {await response.Content.ReadAsStringAsync(ct)}");
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("sessionId").GetString()!;
        for (var i = 0; i < 600; i++)
        {
            var status = JsonDocument.Parse(await _http.GetStringAsync($"/status/{id}", ct)).RootElement.Clone();
            switch (status.GetProperty("phase").GetString())
            {
                case "waiting_for_input":
                    await _http.PostAsync($"/approve/{id}", Json("""{"approved": true}"""), ct);
                    break;
                case "completed" or "failed":
                    return status;
            }
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"session {id} never finished");
    }

    public void Dispose() => _http.Dispose();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The end of a node's output, for failure messages.</summary>
    public static string Tail(string text) => text[^Math.Min(4000, text.Length)..];
}
