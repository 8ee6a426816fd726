using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sre.Testing;

/// <summary>Self-signed node certificates written as PKCS#12 files, as an operator would make them
/// with openssl for <c>sre.cluster.tls</c>.</summary>
public static class TestCertificates
{
    public static X509Certificate2 Create(string commonName, DateTimeOffset? notAfter = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        // Each node is both a TLS server (accepting) and a client (dialling).
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(30);
        return request.CreateSelfSigned(end.AddDays(-60), end);
    }

    /// <summary>Writes <paramref name="certificate"/> to DIR/NAME.pfx, with its private key unless
    /// <paramref name="withKey"/> is false, and returns the path.</summary>
    public static string WritePfx(X509Certificate2 certificate, string directory, string name, string password, bool withKey = true)
    {
        var path = Path.Combine(directory, name + ".pfx");
        var bytes = withKey
            ? certificate.Export(X509ContentType.Pfx, password)
            : X509CertificateLoader.LoadCertificate(certificate.RawData).Export(X509ContentType.Pfx, password);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
