using System.Net.Http.Headers;
using System.Text.Json;

namespace Sre.Host.Tests.Support;

/// <summary>One Server-Sent Event as received.</summary>
public sealed record SseEvent(long? Id, string Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
}

/// <summary>A minimal text/event-stream reader over HttpClient, as a browser's EventSource would
/// read it: id/event/data fields, blank line ends an event, comments ignored but counted.</summary>
public sealed class SseClient
{
    public int Comments { get; private set; }

    public async IAsyncEnumerable<SseEvent> ReadAsync(HttpClient http, string path, long? lastEventId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId.ToString());
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream);
        long? id = null;
        string? name = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null || data.Count > 0)
                    yield return new SseEvent(id, name ?? "message", string.Join("\n", data));
                id = null;
                name = null;
                data.Clear();
                continue;
            }
            if (line.StartsWith(':')) { Comments++; continue; }
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = long.Parse(value); break;
                case "event": name = value; break;
                case "data": data.Add(value); break;
            }
        }
    }
}
