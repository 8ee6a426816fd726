using System.Text.Json.Nodes;
using Sre.Tools.Model;
using Sre.Tools.Postgres;
using Sre.Tools.Synthesis;
using Sre.Tools.Synthesis.Rules;
using SynthesisResult = Sre.Tools.Synthesis.Synthesis;

namespace Sre.Tools.Tests.Synthesis;

/// <summary>The database rules and the ranker over findings shaped like the PostgreSQL agent's,
/// for combinations that are slow or awkward to stage on a live server.</summary>
public sealed class DatabaseRulesTests
{
    private int _next;

    private Finding F(string check, string kind, Severity severity, JsonObject data)
    {
        data["kind"] = kind;
        return new Finding
        {
            Id = $"f-{++_next}", Agent = AgentKind.Database, Target = "prod-db", Check = check,
            Severity = severity, Title = $"{check}/{kind}", Data = data,
        };
    }

    private static SynthesisInput Input(string problem, params Finding[] findings) =>
        new(new DiagnosisRequest(problem, "prod"), findings, [new AgentSummary(AgentKind.Database, "prod-db", "completed", findings.Length, 100)]);

    private static SynthesisResult Run(string problem, params Finding[] findings) =>
        new RuleBasedSynthesizer().Synthesize(Input(problem, findings));

    private Finding Blocker(long pid, long waiters, string state = "idle in transaction", Severity severity = Severity.Critical) =>
        F(PostgresChecks.Locks, PostgresFindingKinds.Blocker, severity, new JsonObject
        {
            ["pid"] = pid, ["application"] = "billing-worker", ["user"] = "billing", ["state"] = state,
            ["stateAgeSeconds"] = 120.0, ["xactAgeSeconds"] = 125.0, ["queryAgeSeconds"] = 125.0, ["query"] = "UPDATE accounts SET balance = balance + $1 WHERE id = $2",
            ["waiters"] = waiters, ["relation"] = "public.accounts", ["longestWaitSeconds"] = 90.0,
            ["waiterPids"] = new JsonArray(JsonValue.Create(201L)), ["waiterApplications"] = new JsonObject { ["checkout-svc"] = waiters },
        });

    private Finding Bloat(double ratio, Severity severity, bool autovacuumDisabledOnTable = false, JsonObject? snapshot = null)
    {
        var data = new JsonObject
        {
            ["table"] = "public.audit_log", ["deadRatio"] = ratio, ["deadTuples"] = 30000L, ["liveTuples"] = 70000L,
            ["sizeBytes"] = 10_000_000L, ["estimatedBloatBytes"] = 3_000_000L, ["autovacuumDisabledOnTable"] = autovacuumDisabledOnTable, ["autovacuumGlobal"] = true,
            ["neverVacuumed"] = autovacuumDisabledOnTable,
        };
        foreach (var (key, value) in snapshot ?? []) data[key] = value?.DeepClone();
        return F(PostgresChecks.TableBloat, PostgresFindingKinds.Table, severity, data);
    }

    /// <summary>The oldest snapshot as the bloat check reports it, and whether it judged that snapshot a reason.</summary>
    private static JsonObject Snapshot(long pid, string application, bool holdsBackVacuum) => new()
    {
        ["oldestSnapshotPid"] = pid, ["oldestSnapshotApplication"] = application, ["oldestSnapshotState"] = "idle in transaction",
        ["oldestSnapshotAgeSeconds"] = 125.0, ["oldestSnapshotHoldsBackVacuum"] = holdsBackVacuum,
    };

    private Finding IdleInTransaction(long pid, string application) =>
        F(PostgresChecks.Connections, PostgresFindingKinds.IdleInTransaction, Severity.Warning, new JsonObject
        {
            ["pid"] = pid, ["application"] = application, ["user"] = "reports", ["idleSeconds"] = 120.0, ["xactAgeSeconds"] = 125.0,
            ["query"] = "SELECT count(*) FROM audit_log",
        });

    [Fact]
    public void A_lock_pile_up_outranks_a_little_bloat_which_stays_a_contributing_factor()
    {
        var blocker = Blocker(101, 4);
        var bloat = Bloat(0.25, Severity.Warning);

        var result = Run("checkout is slow and times out", bloat, blocker);

        Assert.Equal(RootCauseCategory.DbLockContention, result.RootCause.Category);
        Assert.Equal("billing-worker", result.RootCause.Culprit);
        Assert.Equal([blocker.Id], result.RootCause.Evidence);
        Assert.Equal(RootCauseCategory.DbTableBloat, Assert.Single(result.ContributingFactors).Category);
        Assert.Contains(result.Recommendations, r => r.Action.Contains("pg_terminate_backend(101)"));
    }

    [Fact]
    public void On_a_table_nothing_vacuums_the_disabled_autovacuum_is_the_reason_for_its_bloat_not_an_open_transaction()
    {
        var blocker = Blocker(101, 3);
        var bloat = Bloat(0.3, Severity.Warning, autovacuumDisabledOnTable: true, Snapshot(101, "billing-worker", holdsBackVacuum: false));

        var result = Run("checkout is slow and times out", bloat, blocker);

        Assert.Equal(RootCauseCategory.DbLockContention, result.RootCause.Category);
        Assert.DoesNotContain(bloat.Id, result.RootCause.Evidence);
        var factor = Assert.Single(result.ContributingFactors);
        Assert.Equal(RootCauseCategory.DbTableBloat, factor.Category);
        Assert.Contains("autovacuum is disabled on the table", factor.Summary);
        Assert.DoesNotContain("101", factor.Summary);
        Assert.DoesNotContain("billing-worker", factor.Summary);
        Assert.DoesNotContain(result.Recommendations, r => r.Action.StartsWith("VACUUM") && r.Action.Contains("session 101"));
    }

    [Fact]
    public void A_transaction_that_holds_vacuum_back_is_named_in_the_bloat_and_is_its_cause()
    {
        var idle = IdleInTransaction(101, "report-job");
        var bloat = Bloat(0.3, Severity.Warning, snapshot: Snapshot(101, "report-job", holdsBackVacuum: true));

        var result = Run("the audit page is slow and the disk is filling up", bloat, idle);

        Assert.Equal(RootCauseCategory.DbIdleInTransaction, result.RootCause.Category);
        Assert.Equal("report-job", result.RootCause.Culprit);
        Assert.Equal(new[] { idle.Id, bloat.Id }.Order(), result.RootCause.Evidence.Order());
        var factor = Assert.Single(result.ContributingFactors);
        Assert.Contains("session 101 of 'report-job' has kept its transaction open for 2 min 5 s", factor.Summary);
        Assert.Contains(result.Recommendations, r => r.Action.StartsWith("VACUUM (ANALYZE, VERBOSE) public.audit_log;") && r.Action.Contains("until that session ends"));
    }

    [Fact]
    public void An_idle_transaction_whose_snapshot_holds_no_vacuum_back_does_not_cite_the_bloat()
    {
        var idle = IdleInTransaction(101, "report-job");
        var bloat = Bloat(0.3, Severity.Warning, autovacuumDisabledOnTable: true, Snapshot(101, "report-job", holdsBackVacuum: false));

        var hypothesis = Assert.Single(new IdleInTransactionRule().Evaluate(Input("checkout is stuck waiting on the database", bloat, idle)));

        Assert.Equal([idle.Id], hypothesis.Evidence);
        Assert.Empty(hypothesis.Explains);
    }

    [Fact]
    public void An_idle_in_transaction_session_that_blocks_others_is_reported_once_as_the_lock_blocker()
    {
        var blocker = Blocker(101, 2);
        var idle = F(PostgresChecks.Connections, PostgresFindingKinds.IdleInTransaction, Severity.Warning, new JsonObject
        {
            ["pid"] = 101L, ["application"] = "billing-worker", ["user"] = "billing", ["idleSeconds"] = 120.0, ["xactAgeSeconds"] = 125.0,
        });
        var victim = F(PostgresChecks.LongRunningQueries, PostgresFindingKinds.Query, Severity.Warning, new JsonObject
        {
            ["pid"] = 201L, ["application"] = "checkout-svc", ["durationSeconds"] = 90.0, ["waitingOnLock"] = true,
        });

        var result = Run("checkout hangs", idle, victim, blocker);

        Assert.Equal(RootCauseCategory.DbLockContention, result.RootCause.Category);
        Assert.Equal(blocker.Id, result.RootCause.Evidence[0]);
        Assert.Equal(new[] { blocker.Id, idle.Id, victim.Id }.Order(), result.RootCause.Evidence.Order());
        Assert.Empty(result.ContributingFactors);
    }

    [Fact]
    public void A_large_pile_up_explains_the_connection_exhaustion_it_causes()
    {
        var blocker = Blocker(101, 12);
        var usage = F(PostgresChecks.Connections, PostgresFindingKinds.Usage, Severity.Critical, new JsonObject
        {
            ["total"] = 96L, ["max"] = 100L, ["reserved"] = 3L, ["usable"] = 97L, ["topApplication"] = "checkout-svc",
            ["topApplicationCount"] = 80L, ["topApplicationIdle"] = 2L,
        });

        var result = Run("checkout: too many clients, connection failures", usage, blocker);

        Assert.Equal(RootCauseCategory.DbLockContention, result.RootCause.Category);
        Assert.Equal(RootCauseCategory.DbConnectionExhaustion, Assert.Single(result.ContributingFactors).Category);
    }

    [Fact]
    public void A_missing_index_explains_the_slow_statement_that_scans_the_table()
    {
        var slow = F(PostgresChecks.SlowQueries, PostgresFindingKinds.Statement, Severity.Critical, new JsonObject
        {
            ["queryId"] = "42", ["query"] = "SELECT * FROM orders WHERE customer_email = $1", ["meanMs"] = 2400.0, ["thresholdMs"] = 500.0,
            ["calls"] = 5000L, ["totalMs"] = 12_000_000.0, ["shareOfTotal"] = 0.8, ["role"] = "checkout",
        });
        var scans = F(PostgresChecks.IndexUsage, PostgresFindingKinds.SeqScanHeavy, Severity.Warning, new JsonObject
        {
            ["table"] = "public.orders", ["liveRows"] = 5_000_000L, ["seqScan"] = 5000L, ["seqTupRead"] = 25_000_000_000L, ["idxScan"] = 10L,
            ["seqScanShare"] = 0.998, ["suggestedColumns"] = new JsonArray(JsonValue.Create("customer_email")),
            ["statements"] = new JsonArray(new JsonObject
            {
                ["queryId"] = "42", ["query"] = "SELECT * FROM orders WHERE customer_email = $1", ["calls"] = 5000L, ["meanMs"] = 2400.0,
                ["unindexedColumns"] = new JsonArray(JsonValue.Create("customer_email")),
            }),
        });

        var result = Run("checkout is slow", slow, scans);

        Assert.Equal(RootCauseCategory.DbMissingIndex, result.RootCause.Category);
        Assert.Equal("public.orders (customer_email)", result.RootCause.Culprit);
        Assert.Equal([scans.Id, slow.Id], result.RootCause.Evidence);
        Assert.Equal(RootCauseCategory.DbSlowQuery, Assert.Single(result.ContributingFactors).Category);
        Assert.StartsWith("CREATE INDEX CONCURRENTLY ON public.orders (customer_email);", result.Recommendations[0].Action);
    }

    [Fact]
    public void One_deadlock_in_a_month_is_not_a_root_cause()
    {
        var deadlocks = F(PostgresChecks.DatabaseHealth, PostgresFindingKinds.Deadlocks, Severity.Warning, new JsonObject
        {
            ["database"] = "app", ["deadlocks"] = 1L, ["deadlocksPerHour"] = 1.0 / 720, ["statsSince"] = "2026-10-23T00:00:00Z",
        });

        var result = Run("orders fail with deadlock detected", deadlocks);

        Assert.Equal(RootCauseCategory.Unknown, result.RootCause.Category);
        Assert.Equal(RootCauseCategory.DbDeadlocks, Assert.Single(result.ContributingFactors).Category);
    }

    [Fact]
    public void Info_findings_alone_give_no_root_cause()
    {
        var result = Run("checkout is slow",
            F(PostgresChecks.Connections, PostgresFindingKinds.Usage, Severity.Info, new JsonObject { ["total"] = 5L, ["usable"] = 97L }),
            F(PostgresChecks.Locks, PostgresFindingKinds.Summary, Severity.Info, new JsonObject { ["waiting"] = 0L }),
            Bloat(0.1, Severity.Info));

        Assert.Equal(RootCauseCategory.Unknown, result.RootCause.Category);
        Assert.Empty(result.ContributingFactors);
    }

    [Fact]
    public void An_inactive_slot_retaining_wal_is_named_with_the_drop_it_would_take()
    {
        var slot = F(PostgresChecks.Replication, PostgresFindingKinds.Slot, Severity.Warning, new JsonObject
        {
            ["slot"] = "old_analytics", ["active"] = false, ["walStatus"] = "extended", ["retainedBytes"] = 5L << 30,
        });

        var result = Run("disk filling up on the database, replica lag", slot);

        Assert.Equal(RootCauseCategory.DbReplicationLag, result.RootCause.Category);
        Assert.Equal("slot 'old_analytics'", result.RootCause.Culprit);
        Assert.Contains(result.Recommendations, r => r.Action.Contains("pg_drop_replication_slot('old_analytics')") && r.Risk == "medium");
    }
}
