using Sre.Tools.Model;
using Sre.Tools.Postgres;

namespace Sre.Tools.Synthesis.Rules;

/// <summary>A table made mostly of dead rows: names it, says why vacuum has not cleaned it
/// (autovacuum off for the table or the server, never vacuumed, an old snapshot that holds a vacuum
/// back — only when the check found one does) and what to run.
/// Confidence grows with the dead share, so a little bloat stays a contributing factor next to a
/// live incident.</summary>
public sealed class TableBloatRule : IRootCauseRule
{
    public IEnumerable<Hypothesis> Evaluate(SynthesisInput input)
    {
        foreach (var f in DbFindings.Of(input, PostgresChecks.TableBloat, PostgresFindingKinds.Table).Where(f => f.Severity >= Severity.Warning))
        {
            var table = f.Text("table") ?? "?";
            var ratio = f.Number("deadRatio") ?? 0;
            var disabledOnTable = f.Flag("autovacuumDisabledOnTable");
            var globalOn = f.Data?["autovacuumGlobal"] is null || f.Flag("autovacuumGlobal");
            var why = new List<string>();
            if (disabledOnTable) why.Add("autovacuum is disabled on the table");
            if (!globalOn) why.Add("autovacuum is off server-wide");
            if (f.Flag("neverVacuumed")) why.Add("it has not been vacuumed since the statistics were reset");
            var holder = f.VacuumHeldBackBy();
            if (holder is not null)
                why.Add($"session {holder}" + (f.Text("oldestSnapshotApplication") is { Length: > 0 } app ? $" of '{app}'" : "") +
                        $" has kept its transaction open for {Humanize.Duration(f.Number("oldestSnapshotAgeSeconds") ?? 0)}, so vacuum cannot remove rows that died since");

            var recommendations = new List<Recommendation>
            {
                new($"VACUUM (ANALYZE, VERBOSE) {table}; Risk: reads the table and adds I/O while it runs; it does not block reads or writes and makes the space reusable (the file does not shrink)." +
                    (holder is null ? "" : $" Rows that died after session {holder}'s transaction began stay until that session ends."), "low", [f.Id]),
            };
            if (disabledOnTable)
                recommendations.Add(new($"ALTER TABLE {table} RESET (autovacuum_enabled); so autovacuum keeps it clean from now on.", "low", [f.Id]));
            if (!globalOn)
                recommendations.Add(new("Turn autovacuum back on server-wide (autovacuum = on in postgresql.conf, then SELECT pg_reload_conf();).", "low", [f.Id]));
            if (ratio >= 0.5)
                recommendations.Add(new($"To give the space back to the operating system: pg_repack --table={table} (needs the pg_repack extension; brief exclusive locks), " +
                                        $"or VACUUM FULL {table} in a maintenance window (ACCESS EXCLUSIVE lock for the whole rewrite).", "medium", [f.Id]));

            yield return new Hypothesis
            {
                Category = RootCauseCategory.DbTableBloat,
                Culprit = table,
                Summary = $"Table {table} is {Humanize.Percent(ratio)} dead rows ({Humanize.Count(f.Number("deadTuples") ?? 0)} dead vs {Humanize.Count(f.Number("liveTuples") ?? 0)} live, " +
                          $"about {Humanize.Bytes(f.Number("estimatedBloatBytes") ?? 0)} of {Humanize.Bytes(f.Number("sizeBytes") ?? 0)})" +
                          (why.Count > 0 ? $": {string.Join("; ", why)}." : "."),
                Evidence = [f.Id],
                Confidence = Math.Min(0.9, 0.4 + 0.5 * ratio + (disabledOnTable || !globalOn ? 0.1 : 0)),
                Recommendations = recommendations,
            };
        }
    }
}
