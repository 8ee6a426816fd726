using System.Text.Json.Nodes;
using Sre.Tools.Model;
using Sre.Tools.Postgres;
using Sre.Tools.Synthesis;
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

    private static SynthesisResult Run(string problem, params Finding[] findings) =>
        new RuleBasedSynthesizer().Synthesize(new SynthesisInput(new DiagnosisRequest(problem, "prod"), findings,
            [new AgentSummary(AgentKind.Database, "prod-db", "completed", findings.Length, 100)]));

    private Finding Blocker(long pid, long waiters, string state = "idle in transaction", Severity severity = Severity.Critical) =>
        F(PostgresChecks.Locks, PostgresFindingKinds.Blocker, severity, new JsonObject
        {
            ["pid"] = pid, ["application"] = "billing-worker", ["user"] = "billing", ["state"] = state,
            ["stateAgeSeconds"] = 120.0, ["xactAgeSeconds"] = 125.0, ["queryAgeSeconds"] = 125.0, ["query"] = "UPDATE accounts SET balance = balance + $1 WHERE id = $2",
            ["waiters"] = waiters, ["relation"] = "public.accounts", ["longestWaitSeconds"] = 90.0,
            ["waiterPids"] = new JsonArray(JsonValue.Create(201L)), ["waiterApplications"] = new JsonObject { ["checkout-svc"] = waiters },
        });

    private Finding Bloat(double ratio, Severity severity) =>
        F(PostgresChecks.TableBloat, PostgresFindingKinds.Table, severity, new JsonObject
        {
            ["table"] = "public.audit_log", ["deadRatio"] = ratio, ["deadTuples"] = 30000L, ["liveTuples"] = 70000L,
            ["sizeBytes"] = 10_000_000L, ["estimatedBloatBytes"] = 3_000_000L, ["autovacuumDisabledOnTable"] = false, ["autovacuumGlobal"] = true,
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
