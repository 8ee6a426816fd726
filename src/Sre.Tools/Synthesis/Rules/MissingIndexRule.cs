using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Synthesis.Rules;

/// <summary>A large table read by repeated full sequential scans because the column its statements
/// filter on has no index: names the table and column (from the driving statement's WHERE) and
/// recommends CREATE INDEX CONCURRENTLY. It explains the slow statements it causes.</summary>
public sealed class MissingIndexRule : IRootCauseRule
{
    public IEnumerable<Hypothesis> Evaluate(SynthesisInput input)
    {
        var slowStatements = DbFindings.Of(input, PostgresChecks.SlowQueries, PostgresFindingKinds.Statement).ToList();
        foreach (var f in DbFindings.Of(input, PostgresChecks.IndexUsage, PostgresFindingKinds.SeqScanHeavy).Where(f => f.Severity >= Severity.Warning))
        {
            var table = f.Text("table") ?? "?";
            var columns = f.Strings("suggestedColumns");
            var statements = f.Objects("statements");
            var driver = statements.FirstOrDefault(s => s["unindexedColumns"]?.AsArray().Count > 0) ?? statements.FirstOrDefault();
            var queryIds = statements.Select(s => s.Text("queryId")).OfType<string>().ToHashSet();
            var seqShare = f.Number("seqScanShare") ?? 0;

            var scans = $"{Humanize.Count(f.Number("seqScan") ?? 0)} sequential scans read {Humanize.Count(f.Number("seqTupRead") ?? 0)} rows " +
                        $"while indexes were used {Humanize.Count(f.Number("idxScan") ?? 0)} times";
            var because = columns.Count > 0 && driver is not null
                ? $"; statement {SqlText.Show(driver.Text("query"), 140)} ({Humanize.Count(driver.Number("calls") ?? 0)} calls, mean {Humanize.Milliseconds(driver.Number("meanMs") ?? 0)}) filters on {string.Join(", ", columns)}, which no index covers."
                : driver is not null ? $"; the scans come from {SqlText.Show(driver.Text("query"), 140)}." : ".";

            var recommendations = new List<Recommendation>();
            if (columns.Count > 0)
            {
                var indexColumns = string.Join(", ", columns.Take(2).Select(SqlText.Ident));
                recommendations.Add(new($"CREATE INDEX CONCURRENTLY ON {table} ({indexColumns}); then ANALYZE {table}; " +
                                        "Risk: the build reads the whole table and takes time and I/O without blocking reads or writes; every later write also maintains the index; a failed build leaves an INVALID index to drop.",
                    "low", [f.Id]));
            }
            else
            {
                recommendations.Add(new($"Run EXPLAIN on the statements that scan {table} to find the columns they filter on, then consider CREATE INDEX CONCURRENTLY on them.", "low", [f.Id]));
            }

            yield return new Hypothesis
            {
                Category = RootCauseCategory.DbMissingIndex,
                Culprit = columns.Count > 0 ? $"{table} ({string.Join(", ", columns)})" : table,
                Summary = $"Table {table} ({Humanize.Count(f.Number("liveRows") ?? 0)} rows) is read by full sequential scans: {scans}{because}",
                Evidence = [f.Id, .. slowStatements.Where(s => queryIds.Contains(s.Text("queryId") ?? "")).Select(s => s.Id)],
                Confidence = columns.Count > 0 ? 0.8 + (seqShare >= 0.9 ? 0.05 : 0) : 0.55,
                Explains = [RootCauseCategory.DbSlowQuery, RootCauseCategory.CloudResourceSaturation],
                Recommendations = recommendations,
            };
        }
    }
}
