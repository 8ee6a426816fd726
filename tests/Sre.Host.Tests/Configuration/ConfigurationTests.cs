using Sre.Host.Configuration;
using Sre.Host.Hosting;
using Sre.Tools.Postgres;

namespace Sre.Host.Tests.Configuration;

/// <summary>How configuration layers combine and what a bad file says.</summary>
public sealed class ConfigurationTests
{
    private static HoconLayers Load(string userHocon, IDictionary<string, string?>? environment = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"sre-config-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, userHocon);
        return HoconLayers.Load(file, cluster: false, environment ?? new Dictionary<string, string?>());
    }

    [Fact]
    public void The_example_catalog_applies_until_the_user_defines_environments()
    {
        Assert.Equal(["local"], SreSettings.From(Load("sre.sessions.approval-timeout = 5m"), new ServeOptions()).Catalog.Names);
        var mine = SreSettings.From(Load("""sre.environments.prod.targets = [ { kind = postgres, name = db, host = "h" } ]"""), new ServeOptions());
        Assert.Equal(["prod"], mine.Catalog.Names);
    }

    [Fact]
    public void Environment_variables_override_files_and_fill_references()
    {
        var env = new Dictionary<string, string?> { ["SRE__SESSIONS__APPROVAL_TIMEOUT"] = "2m", ["OP_CONNECT_TOKEN"] = "tok-123" };
        var layers = Load("""
            sre.sessions.approval-timeout = 5m
            sre.secrets.onepassword-connect.token = ${?OP_CONNECT_TOKEN}
            """, env);
        var settings = SreSettings.From(layers, new ServeOptions());
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Sessions.ApprovalTimeout);
        Assert.Equal("tok-123", settings.Secrets.GetString("onepassword-connect.token"));
        Assert.Contains("tok-123", layers.EnvironmentValuesUsed());
    }

    [Fact]
    public void Agent_thresholds_are_tuned_in_hocon()
    {
        var settings = SreSettings.From(Load("""
            sre.agents.database {
              max-connections = 1
              statement-timeout = 2s
              thresholds { long-running-query-warning = 10s, connections-warning-ratio = 0.6 }
            }
            """), new ServeOptions());
        var tool = Assert.IsType<PostgresDiagnostics>(ToolSet.Create(settings).Find("database"));
        var options = tool.Options;
        Assert.Equal(1, options.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(2), options.StatementTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Thresholds.LongRunningQueryWarning);
        Assert.Equal(0.6, options.Thresholds.ConnectionsWarningRatio);
        Assert.Equal(new PostgresThresholds().LockWaitWarning, options.Thresholds.LockWaitWarning);
    }

    [Fact]
    public void An_unknown_agent_setting_names_the_key_and_the_known_ones()
    {
        var settings = SreSettings.From(Load("sre.agents.database.thresholds.long-query = 10s"), new ServeOptions());
        var e = Assert.Throws<InvalidConfigurationException>(() => ToolSet.Create(settings));
        Assert.Contains("sre.agents.database.thresholds.long-query", e.Message);
        Assert.Contains("long-running-query-warning", e.Message);
    }

    [Fact]
    public void Invalid_hocon_names_the_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"sre-bad-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "sre { sessions { approval-timeout = 5m ");
        var e = Assert.Throws<InvalidConfigurationException>(() => HoconLayers.Load(file, false, new Dictionary<string, string?>()));
        Assert.Contains(file, e.Message);
    }
}

public sealed class HoconSyntaxTests
{
    [Theory]
    [InlineData("sre { sessions { approval-timeout = 5m ", "line 1: '{' is never closed")]
    [InlineData("a = }", "line 1: '}' closes nothing")]
    [InlineData("a = [1, 2\nb = 3", "line 1: '[' is never closed")]
    [InlineData("a {\n b = [1 }\n", "line 2: '}' closes the '[' opened at line 2")]
    [InlineData("a = \"unclosed\nb = 1", "line 1: a quoted string is not closed on its line")]
    public void Unbalanced_structure_is_reported_with_its_line(string text, string expected) =>
        Assert.Equal(expected, HoconSyntax.FindProblem(text));

    [Theory]
    [InlineData("a { b = \"}{\" } # } in a comment\n// { too\nc = [1, 2]")]
    [InlineData("a = \"\"\"multi\n{ line \"\"\"\nb { }")]
    public void Braces_in_strings_and_comments_do_not_count(string text) =>
        Assert.Null(HoconSyntax.FindProblem(text));

    [Fact]
    public void The_shipped_layers_are_well_formed()
    {
        foreach (var name in new[] { "akka.conf", "sre.conf", "single-node.conf", "cluster.conf", "environments.conf" })
            Assert.Null(HoconSyntax.FindProblem(Sre.Actors.Hosting.SreHocon.Text(name)));
    }
}
