using Sre.Testing.OnePassword;
using Sre.Tools.Secrets;

namespace Sre.Tools.Tests.Secrets;

/// <summary>The op CLI provider running a fake <c>op</c> script that checks its arguments and
/// environment and prints known values.</summary>
public sealed class OpCliProviderTests : IDisposable
{
    private const string Password = "CANARY-op-pw-19ce";
    private const string WrongToken = "ops_CANARY-wrong-token-5b7d";

    private readonly FakeOpCli _op = FakeOpCli.Create();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _op.Dispose();

    private OpCliProvider Provider(string? token = null, TimeSpan? timeout = null, string? path = null) =>
        new(new OpCliOptions(token ?? _op.Token) { OpPath = path ?? _op.Path, Timeout = timeout ?? TimeSpan.FromSeconds(30) });

    private async Task<SecretFetchException> FailAsync(string reference, OpCliProvider provider)
    {
        var e = await Assert.ThrowsAsync<SecretFetchException>(() => provider.FetchAsync(SecretReference.Parse(reference), Ct));
        Assert.StartsWith($"Could not fetch {reference}: ", e.Message);
        var text = e.ToString();
        Assert.DoesNotContain(_op.Token, text);
        Assert.DoesNotContain(WrongToken, text);
        Assert.DoesNotContain(Password, text);
        return e;
    }

    [Fact]
    public async Task A_field_reference_runs_op_read_with_the_reference_as_a_single_argument()
    {
        const string reference = "op://Infra Vault/prod db/password";
        _op.Read(reference, Password);

        using var bundle = await Provider().FetchAsync(SecretReference.Parse(reference), Ct);

        Assert.Equal(Password, bundle.Value);
        Assert.Equal(["password"], bundle.Labels);
        var invocation = Assert.Single(_op.Invocations);
        Assert.Equal(["read", "--no-newline", reference], invocation);
    }

    [Fact]
    public async Task The_value_is_stdout_byte_for_byte()
    {
        const string value = "  multi\nline ü value with $HOME and 'quotes' \n";
        _op.Read("op://v/i/key", value);

        using var bundle = await Provider().FetchAsync(SecretReference.Parse("op://v/i/key"), Ct);

        Assert.Equal(value, bundle.Value);
    }

    [Fact]
    public async Task Queries_are_passed_to_op_which_resolves_them()
    {
        _op.Read("op://server/ssh/private key?ssh-format=openssh", "-----BEGIN OPENSSH PRIVATE KEY-----");

        using var bundle = await Provider().FetchAsync(SecretReference.Parse("op://server/ssh/private key?ssh-format=openssh"), Ct);

        Assert.StartsWith("-----BEGIN OPENSSH", bundle.Value);
    }

    [Fact]
    public async Task The_token_reaches_only_the_child_environment()
    {
        _op.Read("op://v/i/f", Password);
        // Only op reads these, and only this test's op would see them: safe to set for a moment.
        Environment.SetEnvironmentVariable("OP_CONNECT_HOST", "http://connect.invalid");
        Environment.SetEnvironmentVariable("OP_SESSION_test", "session-from-the-parent");
        SecretBundle bundle;
        try
        {
            bundle = await Provider().FetchAsync(SecretReference.Parse("op://v/i/f"), Ct);
        }
        finally
        {
            Environment.SetEnvironmentVariable("OP_CONNECT_HOST", null);
            Environment.SetEnvironmentVariable("OP_SESSION_test", null);
        }
        using var _ = bundle;

        // The fake refuses any other token, so a value means the child saw the right one …
        Assert.Equal(Password, bundle.Value);
        // … and no sign-in variable besides it (inherited Connect settings would redirect op).
        var seen = Assert.Single(_op.OpVariableNames);
        Assert.Contains("OP_SERVICE_ACCOUNT_TOKEN", seen);
        Assert.DoesNotContain(seen, n => n is "OP_CONNECT_HOST" or "OP_CONNECT_TOKEN" || n.StartsWith("OP_SESSION_", StringComparison.Ordinal));
        // This process never had it.
        Assert.NotEqual(_op.Token, Environment.GetEnvironmentVariable("OP_SERVICE_ACCOUNT_TOKEN"));
    }

    [Fact]
    public async Task An_item_level_reference_runs_op_item_get_and_returns_every_field_by_label()
    {
        _op.ItemGet("Infrastructure", "prod-db", $$"""
            {
              "id": "2fcbqwe9ndg175zg2dzwftvkpa", "title": "prod-db", "version": 2,
              "vault": {"id": "jh5xah4pq1iv312jkmn5lmiawv", "name": "Infrastructure"},
              "category": "LOGIN", "last_edited_by": "ZSNPUPKQWNGDDPXEMTOV3UAIGI",
              "created_at": "2026-01-05T09:00:00Z", "updated_at": "2026-01-05T09:00:00Z",
              "sections": [{"id": "add more"}, {"id": "ycjqnpkpe7ajoqc3wbr2tm4cau", "label": "admin"}],
              "fields": [
                {"id": "username", "type": "STRING", "purpose": "USERNAME", "label": "username", "value": "app",
                 "reference": "op://Infrastructure/prod-db/username"},
                {"id": "password", "type": "CONCEALED", "purpose": "PASSWORD", "label": "password", "value": "{{Password}}",
                 "entropy": 119.1, "reference": "op://Infrastructure/prod-db/password"},
                {"id": "notesPlain", "type": "STRING", "purpose": "NOTES", "label": "notesPlain",
                 "reference": "op://Infrastructure/prod-db/notesPlain"},
                {"id": "r4mfd6qzqbhz2nqzg6qn4bq3hy", "section": {"id": "ycjqnpkpe7ajoqc3wbr2tm4cau", "label": "admin"},
                 "type": "CONCEALED", "label": "password", "value": "CANARY-admin-pw",
                 "reference": "op://Infrastructure/prod-db/admin/password"}
              ]
            }
            """);

        using var bundle = await Provider().FetchAsync(SecretReference.Parse("op://Infrastructure/prod-db"), Ct);

        Assert.Equal(["password", "username"], bundle.Labels.Order());
        Assert.Equal(Password, bundle.RequireField("password"));
        Assert.Equal(["item", "get", "prod-db", "--vault", "Infrastructure", "--format", "json", "--reveal"], Assert.Single(_op.Invocations));
    }

    [Fact]
    public async Task Output_that_is_not_an_item_is_reported_without_echoing_it()
    {
        _op.ItemGet("v", "i", "not json CANARY-leaked-output");

        var e = await FailAsync("op://v/i", Provider());

        Assert.Contains("not an item in JSON", e.Reason);
        Assert.DoesNotContain("CANARY-leaked-output", e.ToString());
    }

    [Fact]
    public async Task A_wrong_token_is_reported_with_what_to_check_and_without_the_token()
    {
        _op.Read("op://v/i/f", Password);

        var e = await FailAsync("op://v/i/f", Provider(token: WrongToken));

        Assert.Contains("'" + _op.Path + " read' failed (exit code 1: failed to create session: invalid token", e.Reason);
        Assert.Contains("Check the service account token", e.Reason);
        Assert.DoesNotContain("[ERROR] 2026", e.Reason);
    }

    [Fact]
    public async Task Ops_own_errors_become_advice_naming_the_reference_parts()
    {
        const string missingItem = "op://Infrastructure/prod-dbb/password";
        const string missingVault = "op://Infrastucture/prod-db/password";
        _op.Fail(["read", "--no-newline", missingItem],
            "[ERROR] 2026/01/05 09:00:00 could not read secret 'op://Infrastructure/prod-dbb/password': error resolving item: " +
            "\"prod-dbb\" isn't an item in the \"Infrastructure\" vault. Specify the item with its UUID, name, or domain.\n");
        _op.Fail(["read", "--no-newline", missingVault],
            "[ERROR] 2026/01/05 09:00:00 could not read secret 'op://Infrastucture/prod-db/password': error resolving vault: " +
            "\"Infrastucture\" isn't a vault in this account. Specify the vault with its UUID or name.\n");

        var item = await FailAsync(missingItem, Provider());
        var vault = await FailAsync(missingVault, Provider());

        Assert.Contains("\"prod-dbb\" isn't an item in the \"Infrastructure\" vault", item.Reason);
        Assert.Contains("Check the item title 'prod-dbb'", item.Reason);
        Assert.Contains("Check the vault name 'Infrastucture' and that the service account may read that vault", vault.Reason);
    }

    [Fact]
    public async Task Secrets_in_stderr_are_masked_before_they_reach_the_error()
    {
        _op.Fail(["read", "--no-newline", "op://v/i/f"],
            $"request failed: Authorization: Bearer eyJhbGciOiJFUzI1NiJ9abcdefghij token={_op.Token} password=hunter22\n");

        var e = await FailAsync("op://v/i/f", Provider());

        Assert.Contains("Bearer [REDACTED]", e.Reason);
        Assert.Contains("password=[REDACTED]", e.Reason);
        Assert.DoesNotContain("hunter22", e.Reason);
    }

    [Fact]
    public async Task A_hung_op_is_killed_at_the_timeout_and_reported()
    {
        _op.Hang(["read", "--no-newline", "op://v/i/f"]);

        var e = await FailAsync("op://v/i/f", Provider(timeout: TimeSpan.FromMilliseconds(500)));

        Assert.Contains("did not finish within 0.5 s and was stopped", e.Reason);
        Assert.Contains("sre.secrets.op-cli.timeout", e.Reason);
        var pid = _op.HungProcessId;
        Assert.NotNull(pid);
        Assert.False(File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("sleep"),
            "the hung op process is still running");
    }

    [Fact]
    public async Task Cancelling_the_caller_stops_op_and_cancels_the_fetch()
    {
        _op.Hang(["read", "--no-newline", "op://v/i/f"]);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Provider(timeout: TimeSpan.FromMinutes(5)).FetchAsync(SecretReference.Parse("op://v/i/f"), cancel.Token));
    }

    [Fact]
    public async Task A_missing_op_executable_is_reported_with_the_setting_to_fix()
    {
        var e = await FailAsync("op://v/i/f", Provider(path: "/nonexistent/sre-test/op"));

        Assert.Contains("'/nonexistent/sre-test/op' could not be started", e.Reason);
        Assert.Contains("sre.secrets.op-cli.path", e.Reason);
    }

    [Fact]
    public async Task Health_is_op_whoami_with_the_token()
    {
        var up = await Provider().CheckHealthAsync(Ct);
        var wrongToken = await Provider(token: WrongToken).CheckHealthAsync(Ct);
        var missing = await Provider(path: "/nonexistent/sre-test/op").CheckHealthAsync(Ct);

        Assert.True(up.Healthy, up.Detail);
        Assert.Equal(["whoami", "--format", "json"], _op.Invocations[0]);
        Assert.False(wrongToken.Healthy);
        Assert.Contains("Check the service account token", wrongToken.Detail);
        Assert.DoesNotContain(WrongToken, wrongToken.Detail);
        Assert.False(missing.Healthy);
        Assert.Contains("could not be started", missing.Detail);
    }

    [Fact]
    public void Options_never_print_the_token_and_bad_options_are_refused()
    {
        var options = new OpCliOptions(WrongToken);
        Assert.DoesNotContain(WrongToken, options.ToString());
        Assert.Equal("op", options.OpPath);

        var e = Assert.Throws<ArgumentException>(() => new OpCliProvider(new OpCliOptions("")));
        Assert.Contains("token is empty", e.Message);
    }
}
