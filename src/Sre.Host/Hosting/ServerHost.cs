using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Remote.Hosting;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Prometheus;
using Serilog;
using Sre.Actors.Directory;
using Sre.Actors.Hosting;
using Sre.Actors.Streams;
using Sre.Actors.Telemetry;
using Sre.Host.Configuration;
using Sre.Host.Http;
using Sre.Host.Logging;
using Sre.Host.Mcp;
using Sre.Tools.Planning;
using Sre.Tools.Secrets;
using Sre.Tools.Synthesis;

namespace Sre.Host.Hosting;

/// <summary>Builds a node: configuration layers, the actor system with its roles, and (on main
/// nodes, or whenever --urls is given) the HTTP edge. `sre serve` and the tests use this same path.</summary>
public static class ServerHost
{
    public const string ActorSystemName = "sre";

    public static WebApplication Build(ServeOptions options, IDictionary<string, string?>? environment = null)
    {
        var cluster = options.Seeds is { Count: > 0 };
        var layers = HoconLayers.Load(options.ConfigFile, cluster, environment);
        var settings = SreSettings.From(layers, options);
        var redactor = SecretRedactor.Shared;
        // Tokens and keys read from the environment are secrets too; they live as long as the process.
        redactor.Register(layers.EnvironmentValuesUsed());

        var isMain = settings.Roles.Contains(SreRoles.Main);
        var servesHttp = isMain || options.Urls is not null;
        var urls = settings.Urls;
        RequireTokensOffLoopback(settings, urls);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        // Each node keeps its own logger (several nodes may share a process, as in tests); the static
        // Log.Logger is left alone so one node shutting down never closes another's sinks.
        builder.Services.AddSerilog((_, logger) => SreLogging.Configure(logger, redactor, file: settings.LogFile), preserveStaticLogger: true);
        // Given no address Kestrel listens on localhost:5000, which a second runner on the same host
        // cannot bind; a node without HTTP takes an ephemeral loopback port nobody else can reach.
        builder.WebHost.UseUrls(servesHttp ? urls.ToArray() : ["http://127.0.0.1:0"]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = settings.MaxBodyBytes;
            k.AddServerHeader = false;
        });

        var provider = SecretProviders.Create(settings);
        var tools = ToolSet.Create(settings);
        var (planner, synthesizer, investigator, llm) = Orchestration.Create(settings, tools, provider, redactor);
        var setup = new SreNodeSetup
        {
            Roles = settings.Roles,
            Policy = settings.Sessions with { MaxFollowUpRounds = investigator is null ? 0 : llm!.MaxFollowUpRounds },
            Investigator = investigator,
            Catalog = settings.Catalog,
            Planner = planner,
            Synthesizer = synthesizer,
            SecretProvider = provider,
            Tools = tools,
            Redactor = redactor,
        };

        var persistence = Persistence(settings, options);
        var remoting = options.Remoting is null ? new NodeAddress("127.0.0.1", 0) : NodeAddress.Parse(options.Remoting, "--remoting");
        var seeds = options.Seeds?.Select(s => NodeAddress.Parse(s, "--seeds").AkkaAddress(settings.ClusterTls is not null)).ToArray() ?? [];

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(layers);
        builder.Services.AddSingleton(setup.Directory);
        builder.Services.AddSingleton(provider);
        builder.Services.AddSingleton(redactor);
        builder.Services.AddAkka(ActorSystemName, (akka, _) =>
        {
            akka.AddHocon(layers.Config.WithFallback(persistence), HoconAddMode.Prepend);
            akka.ConfigureLoggers(l =>
            {
                l.LogLevel = Akka.Event.LogLevel.InfoLevel;
                l.ClearLoggers();
                l.AddLoggerFactory();
            });
            akka.WithRemoting(Remoting(remoting, settings.ClusterTls));
            akka.WithClustering(new ClusterOptions { Roles = settings.Roles.ToArray(), SeedNodes = seeds });
            akka.WithSreActors(setup);
            if (seeds.Length == 0)
                akka.AddStartup(async (system, _) => await Akka.Cluster.Cluster.Get(system).JoinAsync(Akka.Cluster.Cluster.Get(system).SelfAddress));
        });

        builder.Services.AddSingleton(sp => new SessionGateway(sp.GetRequiredService<IRequiredActor<SessionRegion>>().ActorRef, TimeSpan.FromSeconds(15)));
        builder.Services.AddSingleton(sp => SreReadJournal.Get(sp.GetRequiredService<ActorSystem>()));
        builder.Services.AddSingleton(sp => new SessionEventSource(sp.GetRequiredService<ActorSystem>(), sp.GetRequiredService<SqlReadJournal>()));
        builder.Services.AddSingleton(sp => new AuditReader(sp.GetRequiredService<ActorSystem>(), sp.GetRequiredService<SqlReadJournal>()));
        builder.Services.AddSingleton<ReadinessProbe>();
        builder.Services.AddSingleton(new RequestAuthentication(settings.Tokens));
        builder.Services.AddSreMcpHttp();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("sre"))
            .WithTracing(t =>
            {
                t.AddSource(SreTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))) t.AddOtlpExporter();
            });

        var app = builder.Build();
        // A bug must not leak a stack trace or a secret: answer a short problem with the trace id;
        // the details are in the (redacted) log.
        app.UseExceptionHandler(error => error.Run(async context =>
        {
            var trace = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
            await Problems.Of(StatusCodes.Status500InternalServerError, "The server failed to handle this request",
                $"This is a bug, not something you sent. Nothing was lost; retry, and report trace {trace} if it persists.").ExecuteAsync(context);
        }));
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = settings.SseKeepAlive });
        var auth = app.Services.GetRequiredService<RequestAuthentication>();
        app.Use((context, next) => auth.InvokeAsync(context, _ => next()));
        app.MapSessionEndpoints();
        app.MapStreamEndpoints();
        app.MapOpsEndpoints();
        app.MapMcp("/mcp");
        var sessionMetrics = SessionMetrics.Register(setup.Directory);
        app.Lifetime.ApplicationStopped.Register(sessionMetrics.Dispose);
        app.MapMetrics("/metrics");

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            // Its own category: Microsoft.AspNetCore.* is filtered to warnings, which hid "node up".
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sre.Host.Node");
            if (provider.IsDevelopmentOnly)
                log.LogWarning("Secret provider {Provider} is for development only: secrets come from a local file. Configure onepassword-connect or op-cli for production", provider.Name);
            if (settings.ClusterTls is null && seeds.Length > 0 && !IsLoopback(remoting.Host))
                log.LogWarning("Remoting on {Address} is plain TCP: credentials that runner agents redeem from the main node cross the network unencrypted, " +
                               "and any host that reaches the port can join. Set sre.cluster.tls", $"{remoting.Host}:{remoting.Port}");
            else if (settings.ClusterTls is { } tls)
                log.LogInformation("Remoting uses mutual TLS with certificate {Subject} ({Thumbprint}), trusting {Trust} peers",
                                   tls.Certificate.Subject, tls.Certificate.Thumbprint, tls.Trust == ClusterTrust.Pinned ? $"{tls.PinnedThumbprints.Count} pinned" : "CA-validated");
            if (!auth.Enabled)
                log.LogWarning("No auth tokens configured: every caller is the local admin. This is allowed only because the server listens on loopback");
            log.LogInformation("sre node up: roles {Roles}, HTTP {Urls}, environments {Environments}, persistence {Persistence}, planner {Planner}",
                string.Join(",", settings.Roles), servesHttp ? string.Join(" ", urls) : "(none)", string.Join(", ", settings.Catalog.Names), settings.PersistenceProvider,
                llm is null ? "rules" : $"llm {llm.Model} at {llm.Endpoint} (rules as fallback)");
        });
        return app;
    }

    /// <summary>Anyone who can reach a non-loopback port could approve access to production
    /// credentials: such a server must have tokens.</summary>
    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static void RequireTokensOffLoopback(SreSettings settings, IReadOnlyList<string> urls)
    {
        if (settings.Tokens.Count > 0) return;
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out var uri))
                throw new InvalidConfigurationException($"'{url}' is not a valid URL for --urls / sre.http.urls");
            if (!uri.IsLoopback && !IsLoopback(uri.Host))
                throw new InvalidConfigurationException(
                    $"Refusing to listen on {url} without authentication. Configure sre.auth.tokens (SHA-256 hashes of bearer tokens with roles), or bind to 127.0.0.1.");
        }
    }

    /// <summary>Remoting on HOST:PORT; with <c>sre.cluster.tls</c>, mutual TLS where both ends present
    /// the configured certificate and check the other's with <see cref="ClusterTls.Validator"/>.
    /// Host names are not checked: nodes dial each other by IP and pod address.</summary>
    private static RemoteOptions Remoting(NodeAddress address, ClusterTls? tls)
    {
        var options = new RemoteOptions { HostName = address.Host, Port = address.Port };
        if (tls is null) return options;
        options.EnableSsl = true;
        options.Ssl = new SslOptions
        {
            X509Certificate = tls.Certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = false,
            CustomValidator = tls.Validator(),
        };
        return options;
    }

    private static Akka.Configuration.Config Persistence(SreSettings settings, ServeOptions options)
    {
        if (settings.PersistenceProvider == "postgres")
        {
            var cs = settings.PersistenceConnectionString
                ?? throw new InvalidConfigurationException("sre.persistence.provider = postgres needs sre.persistence.connection-string (or SRE_DB).");
            return SreHocon.PostgresPersistence(cs);
        }
        var data = Path.GetFullPath(options.DataDirectory ?? "data");
        Directory.CreateDirectory(data);
        return SreHocon.SqlitePersistence(Path.Combine(data, "sre.db"));
    }
}
