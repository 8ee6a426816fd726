using System.Text;
using Sre.Tools.Model;

namespace Sre.Tools.Reports;

/// <summary>Renders a report as Markdown for terminals, Cursor and tickets: the answer first,
/// evidence after.</summary>
public static class ReportMarkdown
{
    public static string Render(Report report)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Diagnosis: {OneLine(report.Problem)}");
        md.AppendLine();
        md.AppendLine($"Environment **{report.Environment}** · session `{report.SessionId}` · {report.Phase} · {report.StartedAt:u} → {report.CompletedAt:u}");
        md.AppendLine();

        md.AppendLine("## Root cause");
        md.AppendLine();
        var rc = report.RootCause;
        md.AppendLine($"**{rc.Category}** (confidence {rc.Confidence:0.00}){Cite(rc.Evidence)}");
        md.AppendLine();
        md.AppendLine(rc.Summary);
        md.AppendLine();

        if (report.ContributingFactors.Count > 0)
        {
            md.AppendLine("## Contributing factors");
            md.AppendLine();
            foreach (var f in report.ContributingFactors)
                md.AppendLine($"- {(f.Category is null ? "" : $"`{f.Category}` ")}{f.Summary}{Cite(f.Evidence)}");
            md.AppendLine();
        }

        if (report.Recommendations.Count > 0)
        {
            md.AppendLine("## Recommended actions");
            md.AppendLine();
            var n = 1;
            foreach (var r in report.Recommendations)
                md.AppendLine($"{n++}. {r.Action} *(risk: {r.Risk})*{Cite(r.Evidence)}");
            md.AppendLine();
        }

        md.AppendLine("## Findings");
        md.AppendLine();
        if (report.Findings.Count == 0) md.AppendLine("No findings were recorded.");
        foreach (var f in report.Findings.OrderByDescending(f => f.Severity).ThenBy(f => f.At))
        {
            md.AppendLine($"- **{f.Id}** [{f.Severity.ToString().ToLowerInvariant()}] {f.Agent}/{f.Target} `{f.Check}`: {OneLine(f.Title)}");
            if (!string.IsNullOrWhiteSpace(f.Detail)) md.AppendLine($"  {OneLine(f.Detail)}");
        }
        md.AppendLine();

        if (report.Agents.Count > 0)
        {
            md.AppendLine("## Agents");
            md.AppendLine();
            md.AppendLine("| agent | target | state | findings | duration |");
            md.AppendLine("| --- | --- | --- | --- | --- |");
            foreach (var a in report.Agents)
                md.AppendLine($"| {a.Kind} | {a.Target} | {a.State} | {a.Findings} | {(a.DurationMs is { } ms ? $"{ms} ms" : "—")} |");
            md.AppendLine();
        }

        if (report.Approvals.Count > 0)
        {
            md.AppendLine("## Approvals");
            md.AppendLine();
            foreach (var a in report.Approvals)
                md.AppendLine($"- {a.Principal} approved {string.Join(", ", a.References.Select(r => $"`{r}`"))} at {a.At:u}");
            md.AppendLine();
        }

        if (report.Notes.Count > 0)
        {
            md.AppendLine("## Notes");
            md.AppendLine();
            foreach (var note in report.Notes) md.AppendLine($"- {note}");
            md.AppendLine();
        }
        return md.ToString();
    }

    private static string Cite(IReadOnlyList<string> evidence) =>
        evidence.Count == 0 ? "" : $" — evidence: {string.Join(", ", evidence)}";

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
