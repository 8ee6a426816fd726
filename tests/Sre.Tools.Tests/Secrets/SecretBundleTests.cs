using Sre.Tools.Secrets;

namespace Sre.Tools.Tests.Secrets;

public sealed class SecretBundleTests
{
    private static readonly SecretReference Item = SecretReference.Parse("op://Infrastructure/prod-db");

    [Fact]
    public void Fields_are_found_by_label_without_case_and_a_missing_one_names_the_labels_only()
    {
        using var bundle = new SecretBundle(Item, [KeyValuePair.Create("username", "app"), KeyValuePair.Create("password", "CANARY-bundle-pw")]);

        Assert.Equal("CANARY-bundle-pw", bundle.Field("PASSWORD"));
        Assert.Null(bundle.Field("token"));
        var e = Assert.Throws<SecretFetchException>(() => bundle.RequireField("token"));
        Assert.Contains("(it has: username, password)", e.Message);
        Assert.DoesNotContain("CANARY-bundle-pw", e.Message);
    }

    [Fact]
    public void A_disposed_bundle_refuses_to_hand_out_values_and_its_copy_lives_on()
    {
        var bundle = new SecretBundle(Item, [KeyValuePair.Create("password", "CANARY-bundle-pw")]);
        using var copy = bundle.Copy();

        bundle.Dispose();

        Assert.Throws<ObjectDisposedException>(() => bundle.Field("password"));
        Assert.Throws<ObjectDisposedException>(() => bundle.SecretValues());
        Assert.Equal("CANARY-bundle-pw", copy.Value);
    }
}
