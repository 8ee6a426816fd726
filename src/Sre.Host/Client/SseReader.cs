using System.Text;
using System.Text.Json;

namespace Sre.Host.Client;

/// <summary>Reads text/event-stream as EventSource does: id/event/data fields, a blank line ends an
/// event, comments (keep-alives) are skipped but count as signs of life.</summary>
internal sealed class SseReader(Stream stream, TimeSpan idleTimeout)
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next event, or null when the server closed the stream. Throws
    /// <see cref="TimeoutException"/> when nothing (not even a keep-alive) arrived for the idle timeout.</summary>
    public async Task<StreamEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        long? id = null;
        string? name = null;
        var data = new StringBuilder();
        var hasData = false;
        while (true)
        {
            string? line;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                idle.CancelAfter(idleTimeout);
                try
                {
                    line = await _reader.ReadLineAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"No event or keep-alive for {idleTimeout.TotalSeconds:0} s.");
                }
            }
            if (line is null) return null;
            if (line.Length == 0)
            {
                if (name is null && !hasData) continue;
                var json = hasData ? Parse(data.ToString()) : default;
                return new StreamEvent(id, name ?? "message", json);
            }
            if (line[0] == ':') continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' ')) value = value[1..];
            switch (field)
            {
                case "id" when long.TryParse(value, out var n):
                    id = n;
                    break;
                case "event":
                    name = value;
                    break;
                case "data":
                    if (hasData) data.Append('\n');
                    data.Append(value);
                    hasData = true;
                    break;
            }
        }
    }

    private static JsonElement Parse(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text);
        }
    }
}
