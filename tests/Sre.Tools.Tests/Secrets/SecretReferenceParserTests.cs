using Sre.Tools.Secrets;

namespace Sre.Tools.Tests.Secrets;

public sealed class SecretReferenceParserTests
{
    [Fact]
    public void A_field_reference_names_vault_item_and_field()
    {
        var r = SecretReference.Parse("op://Infrastructure/prod-db/password");
        Assert.Equal(("Infrastructure", "prod-db", null, "password"), (r.Vault, r.Item, r.Section, r.Field));
        Assert.False(r.IsItemLevel);
        Assert.Null(r.Attribute);
        Assert.Equal("op://Infrastructure/prod-db/password", r.ToString());
    }

    [Fact]
    public void A_section_reference_has_four_parts()
    {
        var r = SecretReference.Parse("op://Management/PagerDuty/Admin/email");
        Assert.Equal(("Management", "PagerDuty", "Admin", "email"), (r.Vault, r.Item, r.Section, r.Field));
        Assert.Equal("op://Management/PagerDuty/Admin/email", r.ToString());
    }

    [Fact]
    public void An_item_level_reference_has_no_field()
    {
        var r = SecretReference.Parse("op://Infrastructure/prod-db");
        Assert.True(r.IsItemLevel);
        Assert.Null(r.Field);
        Assert.Equal(r, r.ItemReference);
    }

    [Theory]
    [InlineData("op://My Vault/My Item/My Field")]
    [InlineData("op://dev/Stripe/publishable-key")]
    [InlineData("op://a_b/c.d/e-f")]
    [InlineData("op://V1/item 2/section 3/field.4")]
    public void Names_may_hold_letters_digits_dash_underscore_dot_and_space(string text)
    {
        Assert.True(SecretReference.TryParse(text, out var r, out var error), error);
        Assert.Equal(text, r.ToString());
    }

    [Fact]
    public void Ids_are_accepted_and_recognised_in_every_position()
    {
        const string vault = "jh5xah4pq1iv312jkmn5lmiawv";
        const string item = "0zmf6i0kahhlu1pbjkfr40zwau";
        var r = SecretReference.Parse($"op://{vault}/{item}/nerlnqbfzdm5q5g6ydsgdqgdw4/password");
        Assert.True(SecretReference.LooksLikeId(r.Vault));
        Assert.True(SecretReference.LooksLikeId(r.Item));
        Assert.True(SecretReference.LooksLikeId(r.Section));
        Assert.False(SecretReference.LooksLikeId(r.Field));
        Assert.False(SecretReference.LooksLikeId("JH5XAH4PQ1IV312JKMN5LMIAWV")); // ids are lower case
        Assert.False(SecretReference.LooksLikeId("jh5xah4pq1iv312jkmn5lmiaw"));  // 25 characters
    }

    [Fact]
    public void References_compare_case_insensitively()
    {
        var a = SecretReference.Parse("op://Infrastructure/Prod-DB/Password");
        var b = SecretReference.Parse("op://infrastructure/prod-db/password");
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Single(new HashSet<SecretReference> { a, b });
    }

    [Theory]
    [InlineData("op://v/i/f?attribute=otp", "otp")]
    [InlineData("op://v/i/f?attribute=TYPE", "type")]
    [InlineData("op://v/i/f?attr=purpose", "purpose")]
    [InlineData("op://v/i/s/f?attribute=id", "id")]
    [InlineData("op://v/i/f?attribute=totp", "otp")]
    [InlineData("op://v/i/file.pem?attribute=content", "content")]
    public void Known_attributes_are_accepted(string text, string attribute)
    {
        var r = SecretReference.Parse(text);
        Assert.Equal(attribute, r.Attribute);
        Assert.True(r.HasQuery);
        Assert.EndsWith("?attribute=" + attribute, r.ToString());
    }

    [Fact]
    public void Ssh_format_openssh_is_accepted()
    {
        var r = SecretReference.Parse("op://server/ssh/private key?ssh-format=openssh");
        Assert.Equal("openssh", r.SshFormat);
        Assert.Equal("op://server/ssh/private key?ssh-format=openssh", r.ToString());
        Assert.Equal("op://server/ssh/private key", r.Path);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("vault/item/field", "must start with 'op://'")]
    [InlineData("https://vault/item", "must start with 'op://'")]
    [InlineData("OP://vault/item", "lower case")]
    [InlineData(" op://vault/item", "leading or trailing whitespace")]
    [InlineData("op://", "names nothing")]
    [InlineData("op://vault", "names only a vault")]
    [InlineData("op://vault/", "the item is empty (the reference ends with '/')")]
    [InlineData("op://vault/item/", "the field is empty (the reference ends with '/')")]
    [InlineData("op://vault//field", "the item is empty (two '/' in a row)")]
    [InlineData("op:///item/field", "the vault is empty")]
    [InlineData("op://a/b/c/d/e", "5 parts")]
    [InlineData("op://vault/item name /field", "leading or trailing spaces")]
    [InlineData("op://vault/it@m/field", "contains '@'")]
    [InlineData("op://vault/item/pass:word", "contains ':'")]
    [InlineData("op://vault/My%20Item/field", "not percent-encoded")]
    [InlineData("op://vault/Ümlaut/field", "contains 'Ü'")]
    [InlineData("op://vault/item/fi\teld", "U+0009")]
    [InlineData("op://vault/item/field?", "has no query")]
    [InlineData("op://vault/item/field?attribute=colour", "unknown attribute 'colour'")]
    [InlineData("op://vault/item/field?attribute=", "needs a value")]
    [InlineData("op://vault/item/field?attribute=type&attr=id", "attribute twice")]
    [InlineData("op://vault/item/field?ssh-format=putty", "unknown ssh-format 'putty'")]
    [InlineData("op://vault/item/field?reveal=true", "'reveal' is not supported")]
    [InlineData("op://vault/item?attribute=type", "needs a field")]
    public void Malformed_references_are_refused_with_a_message_that_says_what_is_wrong(string? text, string expected)
    {
        Assert.False(SecretReference.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void A_refused_character_points_to_the_id_with_a_command_that_shows_it()
    {
        Assert.False(SecretReference.TryParse("op://Ops (EU)/db/password", out _, out var vaultError));
        Assert.Contains("Use the vault's id instead", vaultError);
        Assert.Contains("op vault list", vaultError);

        Assert.False(SecretReference.TryParse("op://Ops/db/pass#1", out _, out var fieldError));
        Assert.Contains("Use the field's id instead", fieldError);
        Assert.Contains("op item get", fieldError);
    }

    [Fact]
    public void Too_many_parts_suggest_an_id_for_names_containing_a_slash()
    {
        Assert.False(SecretReference.TryParse("op://infra/team/app/creds/password", out _, out var error));
        Assert.Contains("contains '/' must be written as the object's id", error);
    }

    [Fact]
    public void Parse_throws_a_format_exception_naming_the_reference_and_the_problem()
    {
        var e = Assert.Throws<SecretReferenceFormatException>(() => SecretReference.Parse("op://vault/it@m"));
        Assert.Contains("'op://vault/it@m'", e.Message);
        Assert.Contains("contains '@'", e.Problem);
    }

    [Fact]
    public void A_value_that_is_not_a_reference_is_not_echoed_because_it_may_be_a_pasted_secret()
    {
        const string pasted = "hunter2-CANARY-7f3a";
        var e = Assert.Throws<SecretReferenceFormatException>(() => SecretReference.Parse(pasted));
        Assert.DoesNotContain(pasted, e.Message);
        Assert.Contains("does not start with op://", e.Message);
    }
}
