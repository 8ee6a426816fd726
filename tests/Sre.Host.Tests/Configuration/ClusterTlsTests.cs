using System.Net.Security;
using Akka.Event;
using Sre.Host.Configuration;
using Sre.Host.Tests.ClientCli;
using Sre.Host.Hosting;
using Sre.Testing;

namespace Sre.Host.Tests.Configuration;

/// <summary><c>sre.cluster.tls</c>: what a mistake in it says, and which peer certificates a node accepts.</summary>
public sealed class ClusterTlsTests
{
    private const string Password = "CANARY-pfx-password-41c9";
    private readonly string _dir = SreCli.TempDirectory("sre-tls");

    private SreSettings Settings(string hocon)
    {
        var file = Path.Combine(_dir, $"tls-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, hocon);
        return SreSettings.From(HoconLayers.Load(file, cluster: false, new Dictionary<string, string?>()), new ServeOptions());
    }

    private string Tls(string path, string password = Password, string extra = "") => $$"""
        sre.cluster.tls {
          enabled = on
          certificate = "{{path}}"
          password = "{{password}}"
          {{extra}}
        }
        """;

    [Fact]
    public void Off_by_default()
    {
        Assert.Null(Settings("sre.sessions.approval-timeout = 5m").ClusterTls);
    }

    [Fact]
    public void A_node_certificate_is_loaded_and_pins_itself_and_the_trusted_thumbprints()
    {
        using var cert = TestCertificates.Create("sre-cluster");
        using var next = TestCertificates.Create("sre-cluster-2027");
        var path = TestCertificates.WritePfx(cert, _dir, "node", Password);
        // As openssl prints it: colon-separated, any case.
        var spaced = string.Join(":", next.Thumbprint.ToLowerInvariant().Chunk(2).Select(c => new string(c)));

        var tls = Settings(Tls(path, extra: $"trusted-thumbprints = [\"{spaced}\"]")).ClusterTls!;

        Assert.Equal(cert.Thumbprint, tls.Certificate.Thumbprint);
        Assert.True(tls.Certificate.HasPrivateKey);
        Assert.Equal(ClusterTrust.Pinned, tls.Trust);
        Assert.Equal([cert.Thumbprint, next.Thumbprint], tls.PinnedThumbprints);
    }

    [Fact]
    public void Pinned_trust_accepts_the_shared_and_the_trusted_certificates_and_nothing_else()
    {
        using var cert = TestCertificates.Create("sre-cluster");
        using var next = TestCertificates.Create("sre-cluster-2027");
        using var stranger = TestCertificates.Create("sre-cluster"); // same name, another key
        var tls = Settings(Tls(TestCertificates.WritePfx(cert, _dir, "node", Password), extra: $"trusted-thumbprints = [\"{next.Thumbprint}\"]")).ClusterTls!;
        var accepts = tls.Validator();

        // Self-signed: the chain does not validate, and pinning is what decides.
        Assert.True(accepts(cert, null, "akka.tcp://sre@10.0.0.6:4053", SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance));
        Assert.True(accepts(next, null, "akka.tcp://sre@10.0.0.7:4053", SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance));
        Assert.False(accepts(stranger, null, "akka.tcp://sre@10.0.0.9:4053", SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance));
        Assert.False(accepts(null, null, "akka.tcp://sre@10.0.0.9:4053", SslPolicyErrors.RemoteCertificateNotAvailable, NoLogger.Instance));
    }

    [Fact]
    public void Chain_trust_refuses_a_self_signed_peer()
    {
        using var cert = TestCertificates.Create("sre-cluster");
        var tls = Settings(Tls(TestCertificates.WritePfx(cert, _dir, "node", Password), extra: "trust = chain")).ClusterTls!;

        Assert.Equal(ClusterTrust.Chain, tls.Trust);
        Assert.False(tls.Validator()(cert, null, "peer", SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance));
    }

    [Fact]
    public void Mistakes_stop_the_node_with_what_to_do_and_never_the_password()
    {
        using var cert = TestCertificates.Create("sre-cluster");
        using var expired = TestCertificates.Create("sre-old", notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        var good = TestCertificates.WritePfx(cert, _dir, "node", Password);
        var keyless = TestCertificates.WritePfx(cert, _dir, "public-only", Password, withKey: false);
        var old = TestCertificates.WritePfx(expired, _dir, "expired", Password);

        string Error(string hocon) => Assert.Throws<InvalidConfigurationException>(() => Settings(hocon)).Message;

        Assert.Contains("sre.cluster.tls.certificate is empty", Error("sre.cluster.tls.enabled = on"));
        Assert.Contains("does not exist", Error(Tls(Path.Combine(_dir, "missing.pfx"))));
        var wrong = Error(Tls(good, password: "CANARY-wrong-pfx-password"));
        Assert.Contains("password (sre.cluster.tls.password) is wrong", wrong);
        Assert.DoesNotContain("CANARY", wrong);
        Assert.Contains("has no private key", Error(Tls(keyless)));
        Assert.Contains("expired on", Error(Tls(old)));
        Assert.Contains("trust must be pinned or chain (got 'anyone')", Error(Tls(good, extra: "trust = anyone")));
        Assert.Contains("'abc' is not a certificate thumbprint", Error(Tls(good, extra: "trusted-thumbprints = [abc]")));
        Assert.Matches(@"tls-[0-9a-f]+\.conf:\d+", Error(Tls(good, extra: "trust = anyone"))); // file and line
    }
}
