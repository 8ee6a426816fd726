using Akka.Configuration;
using Sre.Actors.Sessions;
using Sre.Tools.Model;

namespace Sre.Host.Configuration;

/// <summary>The typed view of the <c>sre</c> section, read once at start.</summary>
public sealed record SreSettings
{
    public required IReadOnlyList<string> Roles { get; init; }
    public required IReadOnlyList<string> Urls { get; init; }
    public long MaxBodyBytes { get; init; } = 65536;
    public TimeSpan SseKeepAlive { get; init; } = TimeSpan.FromSeconds(15);
    public required SessionPolicy Sessions { get; init; }
    public required EnvironmentCatalog Catalog { get; init; }
    public required string SecretProvider { get; init; }
    public required Config Secrets { get; init; }
    public required Config Llm { get; init; }
    /// <summary>sre.agents: per-agent tuning (sre.agents.database.thresholds …).</summary>
    public Config Agents { get; init; } = Config.Empty;
    public required string PersistenceProvider { get; init; }
    public string? PersistenceConnectionString { get; init; }
    public required IReadOnlyList<AuthToken> Tokens { get; init; }
    /// <summary>sre.log.file: also write JSON logs to this file.</summary>
    public string? LogFile { get; init; }
    /// <summary>sre.cluster.tls: mutual TLS on remoting; null when off.</summary>
    public ClusterTls? ClusterTls { get; init; }

    public static SreSettings From(HoconLayers layers, ServeOptions options)
    {
        var c = layers.Config;
        try
        {
            IReadOnlyList<string> roles = options.Roles ?? c.GetStringList("sre.node.roles").ToList();
            var urls = (options.Urls ?? c.GetString("sre.http.urls", "http://127.0.0.1:5080"))
                .Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var provider = c.GetString("sre.secrets.provider", "file");
            if (provider is not ("file" or "onepassword-connect" or "op-cli"))
                throw new InvalidConfigurationException($"{layers.Locate(provider)}: sre.secrets.provider must be onepassword-connect, op-cli or file (got '{provider}')");
            var persistence = c.GetString("sre.persistence.provider", "sqlite");
            if (persistence is not ("sqlite" or "postgres"))
                throw new InvalidConfigurationException($"{layers.Locate(persistence)}: sre.persistence.provider must be sqlite or postgres (got '{persistence}')");

            return new SreSettings
            {
                Roles = roles.Select(r => r.Trim().ToLowerInvariant()).ToList(),
                Urls = urls,
                MaxBodyBytes = c.GetLong("sre.http.max-body-bytes", 65536),
                SseKeepAlive = c.GetTimeSpan("sre.http.sse-keep-alive", TimeSpan.FromSeconds(15)),
                Sessions = new SessionPolicy
                {
                    ApprovalTimeout = c.GetTimeSpan("sre.sessions.approval-timeout", TimeSpan.FromMinutes(15)),
                    AgentDeadline = c.GetTimeSpan("sre.sessions.agent-deadline", TimeSpan.FromSeconds(60)),
                    CredentialTtl = c.GetTimeSpan("sre.sessions.credential-ttl", TimeSpan.FromMinutes(15)),
                    RequireDistinctApprover = c.GetBoolean("sre.sessions.require-distinct-approver", false),
                    PassivateAfterEnd = c.GetTimeSpan("sre.sessions.passivate-after-end", TimeSpan.FromSeconds(30)),
                },
                Catalog = CatalogLoader.Load(layers),
                SecretProvider = provider,
                Secrets = c.GetConfig("sre.secrets") ?? Config.Empty,
                Llm = c.GetConfig("sre.llm") ?? Config.Empty,
                Agents = c.GetConfig("sre.agents") ?? Config.Empty,
                PersistenceProvider = persistence,
                PersistenceConnectionString = NullIfEmpty(c.GetString("sre.persistence.connection-string", null)),
                Tokens = ReadTokens(c, layers),
                LogFile = NullIfEmpty(c.GetString("sre.log.file", null)),
                ClusterTls = ClusterTls.From(c, layers),
            };
        }
        catch (InvalidConfigurationException) { throw; }
        catch (Exception e)
        {
            throw new InvalidConfigurationException($"The configuration ({string.Join(" ← ", layers.Sources)}) could not be read: {e.Message}");
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static IReadOnlyList<AuthToken> ReadTokens(Config c, HoconLayers layers)
    {
        var value = c.GetValue("sre.auth.tokens");
        if (value is null || value.IsEmpty) return [];
        var tokens = new List<AuthToken>();
        foreach (var item in value.GetArray())
        {
            var o = item.GetObject().Items;
            var hash = o.GetValueOrDefault("sha256")?.GetString()?.Trim().ToLowerInvariant();
            var principal = o.GetValueOrDefault("principal")?.GetString();
            var roles = o.GetValueOrDefault("roles")?.GetArray().Select(r => r.GetString().ToLowerInvariant()).ToList() ?? [];
            if (hash is null || hash.Length != 64 || !hash.All(Uri.IsHexDigit))
                throw new InvalidConfigurationException($"{layers.Locate(principal ?? "tokens")}: sre.auth.tokens: each token needs sha256 = <64 hex characters> (the SHA-256 of the token, never the token itself)");
            if (string.IsNullOrWhiteSpace(principal))
                throw new InvalidConfigurationException($"{layers.Locate(hash)}: sre.auth.tokens: a token needs a principal name");
            var unknown = roles.Where(r => r is not (Principal.Requester or Principal.Approver or Principal.Admin)).ToList();
            if (unknown.Count > 0)
                throw new InvalidConfigurationException($"{layers.Locate(principal)}: sre.auth.tokens: unknown role '{unknown[0]}' for '{principal}'; roles are requester, approver, admin");
            tokens.Add(new AuthToken(hash, principal, roles));
        }
        return tokens;
    }
}
