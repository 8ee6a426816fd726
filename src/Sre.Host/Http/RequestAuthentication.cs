using Sre.Host.Configuration;
using Sre.Tools.Model;

namespace Sre.Host.Http;

/// <summary>Bearer tokens → principals. Tokens are configured as SHA-256 hashes; a server without
/// tokens (allowed on loopback only) treats every caller as the local admin. Health and metrics
/// stay open so probes and scrapers need no secret.</summary>
public sealed class RequestAuthentication(IReadOnlyList<AuthToken> tokens)
{
    private const string ItemKey = "sre.principal";
    private readonly Dictionary<string, AuthToken> _byHash = tokens.ToDictionary(t => t.Sha256, StringComparer.Ordinal);

    public bool Enabled => _byHash.Count > 0;

    public static Principal Of(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var p) && p is Principal principal ? principal : Principal.LocalUser;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (!Enabled || path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics"))
        {
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Problems.Of(StatusCodes.Status401Unauthorized, "Authentication required",
                "Send 'Authorization: Bearer <token>' (the sre CLI reads $SRE_TOKEN).").ExecuteAsync(context);
            return;
        }
        var hash = AuthToken.Hash(header["Bearer ".Length..].Trim());
        if (!_byHash.TryGetValue(hash, out var token))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            await Problems.Of(StatusCodes.Status401Unauthorized, "Unknown token",
                "The bearer token is not configured on this server; ask an admin for a token.").ExecuteAsync(context);
            return;
        }
        context.Items[ItemKey] = new Principal(token.Principal, token.Roles);
        await next(context);
    }
}
