using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace Sre.Host.Configuration;

/// <summary>How a node decides which peers may talk to it over remoting.</summary>
public enum ClusterTrust
{
    /// <summary>Only certificates whose thumbprint is pinned: this node's own (one certificate shared
    /// by the cluster) plus <c>trusted-thumbprints</c> (rotation, per-node certificates). Needs no CA.</summary>
    Pinned,

    /// <summary>Any certificate the operating system's CA store validates (CA-issued per-node certificates).</summary>
    Chain,
}

/// <summary><c>sre.cluster.tls</c>: mutual TLS on Akka remoting. Without it, the credentials an
/// agent on a runner node redeems from the main node's credential actor cross the network in the
/// clear, and any host that can reach the port can join the cluster. With it, every connection is
/// encrypted and both ends must present a certificate the other accepts.</summary>
public sealed record ClusterTls(X509Certificate2 Certificate, ClusterTrust Trust, IReadOnlyList<string> TrustedThumbprints)
{
    /// <summary>Thumbprints a peer may present under <see cref="ClusterTrust.Pinned"/>: this node's
    /// own first, then the configured ones, upper-case hex without separators.</summary>
    public IReadOnlyList<string> PinnedThumbprints =>
        [Certificate.Thumbprint, .. TrustedThumbprints.Where(t => t != Certificate.Thumbprint)];

    /// <summary>The peer check handed to Akka's TLS handshake, on both the accepting and the dialling side.</summary>
    public CertificateValidationCallback Validator() => Trust switch
    {
        ClusterTrust.Pinned => CertificateValidation.PinnedCertificate(PinnedThumbprints.ToArray()),
        _ => CertificateValidation.ValidateChain(),
    };

    /// <summary>Reads and checks <c>sre.cluster.tls</c>; null when it is off. Every mistake stops the
    /// node with the file and line and what to do, never the certificate's password.</summary>
    public static ClusterTls? From(Config c, HoconLayers layers)
    {
        if (!c.GetBoolean("sre.cluster.tls.enabled", false)) return null;
        var path = c.GetString("sre.cluster.tls.certificate", "");
        var where = layers.Locate(string.IsNullOrEmpty(path) ? "tls" : path);
        if (string.IsNullOrWhiteSpace(path))
            throw new InvalidConfigurationException($"{where}: sre.cluster.tls is enabled but sre.cluster.tls.certificate is empty; " +
                                                    "give the path of a PKCS#12 (.pfx) file holding the node's certificate and private key");
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new InvalidConfigurationException($"{where}: sre.cluster.tls.certificate '{full}' does not exist");

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(full, c.GetString("sre.cluster.tls.password", "") ?? "");
        }
        catch (CryptographicException)
        {
            throw new InvalidConfigurationException($"{where}: sre.cluster.tls.certificate '{full}' could not be opened: the password " +
                                                    "(sre.cluster.tls.password) is wrong or the file is not PKCS#12 (.pfx). " +
                                                    "openssl pkcs12 -export -in cert.pem -inkey key.pem -out node.pfx makes one");
        }
        if (!certificate.HasPrivateKey)
            throw new InvalidConfigurationException($"{where}: sre.cluster.tls.certificate '{full}' has no private key; a node must prove it owns its certificate");
        if (certificate.NotAfter < DateTime.Now)
            throw new InvalidConfigurationException($"{where}: sre.cluster.tls.certificate '{full}' ({certificate.Subject}) expired on {certificate.NotAfter:yyyy-MM-dd}");

        var trustText = c.GetString("sre.cluster.tls.trust", "pinned");
        var trust = trustText switch
        {
            "pinned" => ClusterTrust.Pinned,
            "chain" => ClusterTrust.Chain,
            _ => throw new InvalidConfigurationException($"{layers.Locate(trustText)}: sre.cluster.tls.trust must be pinned or chain (got '{trustText}')"),
        };
        var thumbprints = new List<string>();
        foreach (var raw in c.GetStringList("sre.cluster.tls.trusted-thumbprints") ?? [])
        {
            // Tools print thumbprints as AB:CD:… or in lower case; Akka compares them as upper-case hex.
            var thumbprint = new string(raw.Where(ch => ch is not (':' or ' ')).ToArray()).ToUpperInvariant();
            if (thumbprint.Length != 40 || !thumbprint.All(Uri.IsHexDigit))
                throw new InvalidConfigurationException($"{layers.Locate(raw)}: sre.cluster.tls.trusted-thumbprints: '{raw}' is not a " +
                                                        "certificate thumbprint (40 hex digits, the SHA-1 fingerprint that openssl x509 -noout -fingerprint -sha1 prints)");
            thumbprints.Add(thumbprint);
        }
        return new ClusterTls(certificate, trust, thumbprints);
    }
}
