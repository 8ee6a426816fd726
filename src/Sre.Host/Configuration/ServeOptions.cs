namespace Sre.Host.Configuration;

/// <summary>The flags of `sre serve`; every one optional (no flags = the embedded default).</summary>
public sealed record ServeOptions
{
    /// <summary>A HOCON file layered over the defaults.</summary>
    public string? ConfigFile { get; init; }
    /// <summary>HTTP listen URLs (';' or ',' separated); default http://127.0.0.1:5080.</summary>
    public string? Urls { get; init; }
    /// <summary>Data directory for the embedded SQLite journal; default ./data.</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Node roles, e.g. "main,runner".</summary>
    public IReadOnlyList<string>? Roles { get; init; }
    /// <summary>Remoting endpoint HOST:PORT; default 127.0.0.1 with a free port.</summary>
    public string? Remoting { get; init; }
    /// <summary>Seed nodes HOST:PORT,…; default: this node seeds itself.</summary>
    public IReadOnlyList<string>? Seeds { get; init; }
}
