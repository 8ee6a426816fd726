using Sre.Testing.OnePassword;
using Sre.Tools.Secrets;

namespace Sre.Tools.Tests.Secrets;

/// <summary>The Connect provider against a real local HTTP server that speaks Connect's shapes.</summary>
public sealed class OnePasswordConnectProviderTests : IAsyncLifetime
{
    private const string ProdPassword = "CANARY-prod-pw-3c9d1e";
    private const string PrimaryPassword = "CANARY-primary-pw-51b0";
    private const string StandbyPassword = "CANARY-standby-pw-e8a2";
    private const string WrongToken = "CANARY-wrong-token-0d6f";

    private static readonly string[] Canaries = [ProdPassword, PrimaryPassword, StandbyPassword, WrongToken];

    private FakeConnectServer _server = null!;
    private FakeVault _infrastructure = null!;
    private FakeItem _prodDb = null!;
    private FakeItem _replicaDb = null!;
    private readonly string _standbyFieldId = FakeIds.New();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeConnectServer.StartAsync(cancellationToken: Ct);
        _infrastructure = _server.AddVault("Infrastructure");
        _prodDb = _infrastructure.AddLogin("prod-db", "app", ProdPassword);
        _replicaDb = _infrastructure.AddItem("replica-db", "DATABASE")
            .WithField("username", "replica")
            .WithField("password", PrimaryPassword, type: "CONCEALED", section: "primary")
            .WithField("password", StandbyPassword, type: "CONCEALED", section: "standby", id: _standbyFieldId)
            .WithField("one-time password", "otpauth://totp/replica?secret=JBSWY3DPEHPK3PXP", type: "OTP", totp: "492039");
        _server.AddVault("Payments").AddLogin("stripe", "ops", "CANARY-stripe-pw-aa01");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private OnePasswordConnectProvider Provider(TimeSpan? timeout = null, int retryCount = 3, string? token = null) =>
        new(_server.ProviderOptions(timeout, retryCount) with { Token = token ?? _server.Token });

    private async Task<SecretBundle> FetchAsync(string reference, OnePasswordConnectProvider? provider = null)
    {
        using var owned = provider is null ? Provider() : null;
        return await (provider ?? owned!).FetchAsync(SecretReference.Parse(reference), Ct);
    }

    private async Task<SecretFetchException> FailAsync(string reference, OnePasswordConnectProvider? provider = null)
    {
        var e = await Assert.ThrowsAsync<SecretFetchException>(() => FetchAsync(reference, provider));
        Assert.StartsWith($"Could not fetch {SecretReference.Parse(reference)}: ", e.Message);
        AssertClean(e);
        return e;
    }

    /// <summary>No error text, inner exceptions included, carries a token or a secret value.</summary>
    private void AssertClean(Exception e)
    {
        var text = e.ToString();
        Assert.DoesNotContain(_server.Token, text);
        foreach (var canary in Canaries) Assert.DoesNotContain(canary, text);
    }

    private IReadOnlyList<FakeConnectRequest> ApiRequests() =>
        _server.Requests.Where(r => r.Path.StartsWith("/v1/", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task A_field_is_fetched_by_vault_name_item_title_and_field_label()
    {
        using var bundle = await FetchAsync("op://Infrastructure/prod-db/password");

        Assert.Equal(ProdPassword, bundle.Value);
        Assert.Equal(["password"], bundle.Labels);
        var requests = ApiRequests();
        Assert.Equal("name eq \"Infrastructure\"", requests[0].Filter);
        Assert.Equal($"/v1/vaults/{_infrastructure.Id}/items", requests[1].Path);
        Assert.Equal("title eq \"prod-db\"", requests[1].Filter);
        Assert.Equal($"/v1/vaults/{_infrastructure.Id}/items/{_prodDb.Id}", requests[2].Path);
        Assert.All(requests, r => Assert.True(r.Authorized));
    }

    [Fact]
    public async Task Names_match_case_insensitively_even_when_the_server_filter_is_exact()
    {
        using var bundle = await FetchAsync("op://infrastructure/PROD-DB/Password");

        Assert.Equal(ProdPassword, bundle.Value);
        // The exact filters found nothing, so the provider listed and matched without case.
        Assert.Contains(ApiRequests(), r => r.Path == "/v1/vaults" && r.Filter is null);
        Assert.Contains(ApiRequests(), r => r.Path.EndsWith("/items", StringComparison.Ordinal) && r.Filter is null);
    }

    [Fact]
    public async Task A_field_in_a_section_is_found_by_section_label()
    {
        using var standby = await FetchAsync("op://Infrastructure/replica-db/standby/password");
        using var primary = await FetchAsync("op://Infrastructure/replica-db/Primary/password");

        Assert.Equal(StandbyPassword, standby.Value);
        Assert.Equal(PrimaryPassword, primary.Value);
    }

    [Fact]
    public async Task An_item_level_reference_returns_every_field_by_label()
    {
        using var bundle = await FetchAsync("op://Infrastructure/prod-db");

        Assert.Equal(["password", "username"], bundle.Labels.Order());
        Assert.Equal("app", bundle.RequireField("username"));
        Assert.Equal(ProdPassword, bundle.RequireField("PASSWORD"));
    }

    [Fact]
    public async Task An_item_level_reference_prefers_the_field_outside_sections_when_labels_repeat()
    {
        _replicaDb.WithField("password", "CANARY-top-level-pw", type: "CONCEALED");

        using var bundle = await FetchAsync("op://Infrastructure/replica-db");

        Assert.Equal("CANARY-top-level-pw", bundle.RequireField("password"));
        Assert.Equal("replica", bundle.RequireField("username"));
    }

    [Fact]
    public async Task Vault_and_item_are_fetched_by_id_without_any_name_lookup()
    {
        using var bundle = await FetchAsync($"op://{_infrastructure.Id}/{_prodDb.Id}/password");

        Assert.Equal(ProdPassword, bundle.Value);
        Assert.Equal(
            [$"/v1/vaults/{_infrastructure.Id}", $"/v1/vaults/{_infrastructure.Id}/items/{_prodDb.Id}"],
            ApiRequests().Select(r => r.Path));
        Assert.All(ApiRequests(), r => Assert.Null(r.Filter));
    }

    [Fact]
    public async Task Section_and_field_are_found_by_id()
    {
        var section = _replicaDb.SectionId("standby");

        using var bySectionId = await FetchAsync($"op://Infrastructure/replica-db/{section}/password");
        using var byFieldId = await FetchAsync($"op://Infrastructure/replica-db/{_standbyFieldId}");

        Assert.Equal(StandbyPassword, bySectionId.Value);
        Assert.Equal(StandbyPassword, byFieldId.Value);
    }

    [Fact]
    public async Task Attributes_return_field_metadata_and_one_time_passwords()
    {
        using var type = await FetchAsync("op://Infrastructure/prod-db/password?attribute=type");
        using var purpose = await FetchAsync("op://Infrastructure/prod-db/password?attr=purpose");
        using var id = await FetchAsync("op://Infrastructure/prod-db/username?attribute=id");
        using var otp = await FetchAsync("op://Infrastructure/replica-db/one-time password?attribute=otp");

        Assert.Equal("CONCEALED", type.Value);
        Assert.Equal("PASSWORD", purpose.Value);
        Assert.Equal("username", id.Value);
        Assert.Equal("492039", otp.Value);
    }

    [Fact]
    public async Task Queries_this_provider_cannot_serve_are_refused_clearly()
    {
        var notOtp = await FailAsync("op://Infrastructure/prod-db/password?attribute=otp");
        var file = await FailAsync("op://Infrastructure/prod-db/password?attribute=content");
        var ssh = await FailAsync("op://Infrastructure/prod-db/password?ssh-format=openssh");

        Assert.Contains("has no one-time password", notOtp.Reason);
        Assert.Contains("file attachment", file.Reason);
        Assert.Contains("use the op-cli provider", ssh.Reason);
    }

    [Fact]
    public async Task A_missing_vault_is_reported_with_what_to_check()
    {
        var e = await FailAsync("op://Infrastucture/prod-db/password");

        Assert.Contains("no vault named 'Infrastucture' is visible to the Connect token", e.Reason);
        Assert.Contains("give the token read access", e.Reason);
    }

    [Fact]
    public async Task A_missing_vault_id_is_reported_like_a_missing_name()
    {
        var e = await FailAsync("op://aaaaaaaaaaaaaaaaaaaaaaaaaa/prod-db/password");

        Assert.Contains("no vault named 'aaaaaaaaaaaaaaaaaaaaaaaaaa'", e.Reason);
    }

    [Fact]
    public async Task A_missing_item_is_reported_with_its_vault()
    {
        var e = await FailAsync("op://Infrastructure/prod-dbb/password");

        Assert.Contains("no item titled 'prod-dbb' in vault 'Infrastructure'", e.Reason);
    }

    [Fact]
    public async Task A_missing_item_id_falls_back_to_titles_and_is_reported()
    {
        var e = await FailAsync("op://Infrastructure/bbbbbbbbbbbbbbbbbbbbbbbbbb/password");

        Assert.Contains("no item titled 'bbbbbbbbbbbbbbbbbbbbbbbbbb'", e.Reason);
    }

    [Fact]
    public async Task A_missing_field_is_reported_with_the_labels_the_item_has()
    {
        var e = await FailAsync("op://Infrastructure/prod-db/pasword");

        Assert.Contains("item 'prod-db' has no field 'pasword'", e.Reason);
        Assert.Contains("'username', 'password'", e.Reason);
    }

    [Fact]
    public async Task A_missing_section_is_reported_with_the_sections_the_item_has()
    {
        var e = await FailAsync("op://Infrastructure/replica-db/tertiary/password");

        Assert.Contains("has no section 'tertiary'", e.Reason);
        Assert.Contains("'primary', 'standby'", e.Reason);
    }

    [Fact]
    public async Task An_ambiguous_field_label_is_an_error_rather_than_a_guess()
    {
        var e = await FailAsync("op://Infrastructure/replica-db/password");

        Assert.Contains("2 fields labelled 'password'", e.Reason);
        Assert.Contains("'primary', 'standby'", e.Reason);
        Assert.Contains("add the section to the reference", e.Reason);
    }

    [Fact]
    public async Task Two_items_with_one_title_ask_for_the_item_id()
    {
        _infrastructure.AddLogin("prod-db", "other", "CANARY-duplicate-pw");

        var e = await FailAsync("op://Infrastructure/prod-db/password");

        Assert.Contains("2 items are titled 'prod-db'", e.Reason);
        Assert.Contains("use the item's id", e.Reason);
    }

    [Fact]
    public async Task An_archived_item_with_the_same_title_is_ignored()
    {
        _infrastructure.AddLogin("prod-db", "old", "CANARY-archived-pw").Archive();

        using var bundle = await FetchAsync("op://Infrastructure/prod-db/password");

        Assert.Equal(ProdPassword, bundle.Value);
    }

    [Fact]
    public async Task A_wrong_token_is_a_401_that_is_not_retried_and_never_shown()
    {
        using var provider = Provider(token: WrongToken);

        var e = await FailAsync("op://Infrastructure/prod-db/password", provider);

        Assert.Contains("rejected the token (401 Unauthorized: Invalid token signature)", e.Reason);
        Assert.Contains("OP_CONNECT_TOKEN", e.Reason);
        var request = Assert.Single(ApiRequests());
        Assert.Equal(401, request.Status);
        Assert.False(request.Authorized);
    }

    [Fact]
    public async Task A_vault_the_token_may_not_read_is_a_403_by_id_and_invisible_by_name()
    {
        const string limited = "CANARY-limited-token-77c1";
        _server.GrantToken(limited, "Payments");
        using var provider = Provider(token: limited);

        var byId = await FailAsync($"op://{_infrastructure.Id}/prod-db/password", provider);
        var byName = await FailAsync("op://Infrastructure/prod-db/password", provider);
        using var allowed = await FetchAsync("op://Payments/stripe/username", provider);

        Assert.Contains("the Connect token may not read vault", byId.Reason);
        Assert.Contains("403 Forbidden", byId.Reason);
        Assert.Contains("Give the token read access", byId.Reason);
        Assert.DoesNotContain(limited, byId.ToString());
        Assert.Single(ApiRequests(), r => r.Status == 403); // not retried
        Assert.Contains("no vault named 'Infrastructure' is visible to the Connect token", byName.Reason);
        Assert.Equal("ops", allowed.Value);
    }

    [Fact]
    public async Task A_server_answering_503_then_recovering_is_retried_until_it_answers()
    {
        _server.FailNext(2, FakeConnectFailure.ServiceUnavailable);

        using var bundle = await FetchAsync("op://Infrastructure/prod-db/password");

        Assert.Equal(ProdPassword, bundle.Value);
        var requests = ApiRequests();
        Assert.Equal([503, 503, 200, 200, 200], requests.Select(r => r.Status));
        Assert.Equal(3, requests.Count(r => r.Path == "/v1/vaults"));
    }

    [Fact]
    public async Task Dropped_connections_are_retried_until_the_server_answers()
    {
        _server.FailNext(2, FakeConnectFailure.DropConnection);

        using var bundle = await FetchAsync("op://Infrastructure/prod-db/password");

        Assert.Equal(ProdPassword, bundle.Value);
        Assert.Equal([true, true, false], ApiRequests().Where(r => r.Path == "/v1/vaults").Select(r => r.Dropped));
    }

    [Fact]
    public async Task A_server_that_stays_down_fails_after_the_configured_attempts()
    {
        _server.FailNext(10, FakeConnectFailure.ServiceUnavailable);
        using var provider = Provider(retryCount: 2);

        var e = await FailAsync("op://Infrastructure/prod-db/password", provider);

        Assert.Contains("answered 503 Service Unavailable: Connect is not ready to serve requests after 3 attempt(s)", e.Reason);
        Assert.Contains("connect-api and connect-sync", e.Reason);
        Assert.Equal(3, ApiRequests().Count);
    }

    [Fact]
    public async Task A_stopped_server_is_unreachable_and_serves_again_once_restarted()
    {
        using var provider = Provider(retryCount: 1);
        await _server.StopAsync(Ct);

        var e = await FailAsync("op://Infrastructure/prod-db/password", provider);
        Assert.Contains($"could not reach 1Password Connect at {_server.Url.ToString().TrimEnd('/')} after 2 attempt(s)", e.Reason);
        Assert.IsType<HttpRequestException>(e.InnerException);

        await _server.RestartAsync(Ct);
        using var bundle = await FetchAsync("op://Infrastructure/prod-db/password", provider);
        Assert.Equal(ProdPassword, bundle.Value);
    }

    [Fact]
    public async Task A_slow_server_yields_a_timeout_error_instead_of_a_hang()
    {
        _server.ResponseDelay = TimeSpan.FromMinutes(5);
        using var provider = Provider(timeout: TimeSpan.FromMilliseconds(300));

        var e = await FailAsync("op://Infrastructure/prod-db/password", provider);

        Assert.Contains("did not answer within 0.3 s", e.Reason);
        Assert.Contains("sre.secrets.onepassword-connect.timeout", e.Reason);
    }

    [Fact]
    public async Task Cancelling_the_caller_cancels_the_fetch_rather_than_reporting_a_failure()
    {
        _server.ResponseDelay = TimeSpan.FromMinutes(5);
        using var provider = Provider(timeout: TimeSpan.FromMinutes(5));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            provider.FetchAsync(SecretReference.Parse("op://Infrastructure/prod-db/password"), cancel.Token));
    }

    [Fact]
    public async Task Health_is_up_when_the_heartbeat_answers_and_names_the_version_and_dependencies()
    {
        using var provider = Provider();

        var health = await provider.CheckHealthAsync(Ct);

        Assert.True(health.Healthy, health.Detail);
        Assert.Contains("1Password Connect 1.7.3", health.Detail);
        Assert.Contains("sync ACTIVE", health.Detail);
        Assert.Contains(_server.Requests, r => r.Path == "/heartbeat" && r.Status == 200);
    }

    [Fact]
    public async Task Health_is_down_when_the_heartbeat_fails_or_the_server_is_gone()
    {
        using var provider = Provider();

        _server.FailNext(1, FakeConnectFailure.ServiceUnavailable);
        var failing = await provider.CheckHealthAsync(Ct);
        await _server.StopAsync(Ct);
        var gone = await provider.CheckHealthAsync(Ct);
        await _server.RestartAsync(Ct);
        var back = await provider.CheckHealthAsync(Ct);

        Assert.False(failing.Healthy);
        Assert.Contains("/heartbeat answered 503", failing.Detail);
        Assert.False(gone.Healthy);
        Assert.Contains("could not reach", gone.Detail);
        Assert.True(back.Healthy, back.Detail);
        Assert.Single(_server.Requests, r => r.Path == "/heartbeat" && r.Status == 503); // health is not retried
    }

    [Fact]
    public async Task Health_is_down_when_sync_cannot_serve()
    {
        _server.SyncStatus = "TOKEN_NEEDED";
        using var provider = Provider();

        var health = await provider.CheckHealthAsync(Ct);

        Assert.False(health.Healthy);
        Assert.Contains("sync is TOKEN_NEEDED", health.Detail);
    }

    [Fact]
    public async Task Health_is_down_when_the_server_is_up_but_rejects_the_token()
    {
        using var provider = Provider(token: WrongToken);

        var health = await provider.CheckHealthAsync(Ct);

        Assert.False(health.Healthy);
        Assert.Contains("is up but rejected the token (401", health.Detail);
        Assert.Contains("OP_CONNECT_TOKEN", health.Detail);
        Assert.DoesNotContain(WrongToken, health.Detail);
        Assert.Contains(_server.Requests, r => r.Path == "/v1/vaults" && r.Status == 401);
    }

    [Fact]
    public async Task Health_is_down_when_the_token_can_read_no_vault_and_counts_them_when_it_can()
    {
        _server.GrantToken("token-without-vaults");
        _server.GrantToken("token-for-payments", "Payments");
        using var blind = Provider(token: "token-without-vaults");
        using var limited = Provider(token: "token-for-payments");

        var none = await blind.CheckHealthAsync(Ct);
        var one = await limited.CheckHealthAsync(Ct);

        Assert.False(none.Healthy);
        Assert.Contains("its token can read no vault", none.Detail);
        Assert.True(one.Healthy, one.Detail);
        Assert.EndsWith("the token reads 1 vault(s)", one.Detail);
        Assert.DoesNotContain("Payments", one.Detail); // vault names are not shown
    }

    [Fact]
    public void Options_never_print_the_token()
    {
        var options = _server.ProviderOptions();
        Assert.DoesNotContain(_server.Token, options.ToString());
        Assert.Contains("Token = (hidden)", options.ToString());
    }

    [Fact]
    public void Invalid_options_are_refused_at_construction_without_showing_the_token()
    {
        var empty = Assert.Throws<ArgumentException>(() => new OnePasswordConnectProvider(new OnePasswordConnectOptions(_server.Url, " ")));
        var url = Assert.Throws<ArgumentException>(() => new OnePasswordConnectProvider(new OnePasswordConnectOptions(new Uri("ftp://x"), WrongToken)));

        Assert.Contains("token is empty", empty.Message);
        Assert.Contains("absolute http(s) URL", url.Message);
        Assert.DoesNotContain(WrongToken, url.Message);
    }

    [Fact]
    public async Task No_error_in_any_failure_path_contains_a_token_or_a_secret_value()
    {
        using var provider = Provider(token: WrongToken);
        var errors = new List<Exception>
        {
            await Assert.ThrowsAsync<SecretFetchException>(() => FetchAsync("op://Infrastructure/prod-db/password", provider)),
            await Assert.ThrowsAsync<SecretFetchException>(() => FetchAsync("op://Infrastructure/prod-db/nope")),
            await Assert.ThrowsAsync<SecretFetchException>(() => FetchAsync("op://Infrastructure/replica-db/password")),
            await Assert.ThrowsAsync<SecretFetchException>(() => FetchAsync("op://Nope/prod-db/password")),
        };
        _server.FailNext(10);
        using var noRetry = Provider(retryCount: 0);
        errors.Add(await Assert.ThrowsAsync<SecretFetchException>(() => FetchAsync("op://Infrastructure/prod-db/password", noRetry)));

        Assert.All(errors, AssertClean);
    }
}
