using System.Text.Json.Nodes;
using Sre.Tools.Json;
using Sre.Tools.Model;

namespace Sre.Tools.Secrets;

/// <summary>Removes live secret values and known secret shapes from a finding's text and data.</summary>
public static class FindingScrubber
{
    public static Finding Scrub(Finding finding, SecretRedactor redactor)
    {
        var data = finding.Data;
        if (data is not null)
        {
            var json = data.ToJsonString(SreJson.Options);
            var clean = redactor.Redact(json);
            if (!string.Equals(json, clean, StringComparison.Ordinal))
                data = JsonNode.Parse(clean) as JsonObject ?? new JsonObject { ["redacted"] = true };
        }
        return finding with
        {
            Title = redactor.Redact(finding.Title),
            Detail = redactor.Redact(finding.Detail),
            Data = data,
        };
    }
}
