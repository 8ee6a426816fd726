using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.Api;

/// <summary>One server for a test class that does not break anything.</summary>
public sealed class SharedServer(TestDatabase db) : IAsyncLifetime
{
    public SreTestServer Sre { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sre-api-" + Guid.NewGuid().ToString("N")[..8]);
        Sre = await SreTestServer.StartAsync(TestConfig.Standard(db).Write(dir), dir);
    }

    public async ValueTask DisposeAsync() => await Sre.DisposeAsync();
}
