using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Sre.Bench;

/// <summary>One client driving one session the way the CLI does: diagnose, follow the SSE stream,
/// approve when asked, read until the terminal phase.</summary>
public static class SessionDriver
{
    public sealed record Timing(double TotalMs, double ApproveToFirstFindingMs, double ApproveToEndMs, long Events, string Phase, string RootCause);

    public static async Task<Timing> RunAsync(HttpClient http, string environment, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var response = await http.PostAsJsonAsync("/diagnose", new { problem = "Diagnose the database connection failures", environment }, ct);
        response.EnsureSuccessStatusCode();
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("sessionId").GetString()!;

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/stream/{id}");
        using var stream = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(ct));
        double approvedAt = 0, firstFinding = 0;
        long lastId = 0;
        string? name = null, phase = "", rootCause = "";
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("id: ")) lastId = long.Parse(line[4..]);
            else if (line.StartsWith("event: ")) name = line[7..];
            else if (line.StartsWith("data: "))
            {
                switch (name)
                {
                    case "approval_required":
                        approvedAt = clock.Elapsed.TotalMilliseconds;
                        (await http.PostAsJsonAsync($"/approve/{id}", new { approved = true }, ct)).EnsureSuccessStatusCode();
                        break;
                    case "finding" when firstFinding == 0:
                        firstFinding = clock.Elapsed.TotalMilliseconds;
                        break;
                    case "report":
                        rootCause = JsonDocument.Parse(line[6..]).RootElement.GetProperty("rootCause").GetProperty("category").GetString()!;
                        break;
                    case "phase":
                        phase = JsonDocument.Parse(line[6..]).RootElement.GetProperty("phase").GetString()!;
                        break;
                }
            }
        }
        var total = clock.Elapsed.TotalMilliseconds;
        return new Timing(total, firstFinding - approvedAt, total - approvedAt, lastId, phase, rootCause);
    }
}
