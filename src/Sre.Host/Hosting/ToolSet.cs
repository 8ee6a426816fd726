using Sre.Host.Configuration;
using Sre.Tools.Agents;
using Sre.Tools.Postgres;

namespace Sre.Host.Hosting;

/// <summary>The diagnostic tools this build installs on runner nodes, tuned by sre.agents.*.</summary>
public static class ToolSet
{
    public static DiagnosticToolRegistry Create(SreSettings settings)
    {
        const string path = "sre.agents.database";
        var section = settings.Agents.GetConfig("database");
        var defaults = new PostgresDiagnosticsOptions();
        var options = HoconBinder.Bind(section, path, defaults, "thresholds") with
        {
            Thresholds = HoconBinder.Bind(section?.GetConfig("thresholds"), path + ".thresholds", defaults.Thresholds),
        };
        return new([new PostgresDiagnostics(options)]);
    }
}
