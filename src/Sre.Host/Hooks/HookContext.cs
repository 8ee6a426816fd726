using Sre.Host.Client;

namespace Sre.Host.Hooks;

/// <summary>Everything a hook handler needs: Cursor's input, a client whose every call is bounded
/// (3 s by default), the hooks' local state, a clock and the hook's overall deadline.</summary>
public sealed class HookContext
{
    public required HookInput Input { get; init; }
    public required SreClient Client { get; init; }
    public required HookState State { get; init; }
    public required CancellationToken Deadline { get; init; }
    public required TextWriter Log { get; init; }
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public Uri Server => Client.Options.Server;
}
