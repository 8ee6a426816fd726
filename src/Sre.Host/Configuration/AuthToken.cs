using System.Security.Cryptography;
using System.Text;

namespace Sre.Host.Configuration;

/// <summary>A bearer token as configured: its SHA-256 (never the token) mapped to a principal and roles.</summary>
public sealed record AuthToken(string Sha256, string Principal, IReadOnlyList<string> Roles)
{
    public static string Hash(string token) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token))).ToLowerInvariant();
}
