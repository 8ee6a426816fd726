using Sre.Tools.Agents;
using Sre.Tools.Postgres;

namespace Sre.Host.Hosting;

/// <summary>The diagnostic tools this build installs on runner nodes.</summary>
public static class ToolSet
{
    public static DiagnosticToolRegistry Create() => new([new PostgresDiagnostics()]);
}
