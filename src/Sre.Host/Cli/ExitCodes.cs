using Sre.Host.Client;

namespace Sre.Host.Cli;

/// <summary>The exit codes of the client commands (documented in docs/cursor.md): scripts can tell
/// "the diagnosis said no" from "the server is down" without parsing text.</summary>
public static class ExitCodes
{
    /// <summary>The diagnosis completed; any other command did what was asked.</summary>
    public const int Ok = 0;
    /// <summary>Bad usage: an unknown option, a missing argument (System.CommandLine's own code).</summary>
    public const int Usage = 1;
    /// <summary>The session ended <c>failed</c>.</summary>
    public const int Failed = 2;
    /// <summary>The session was <c>denied</c> (here or by another approver).</summary>
    public const int Denied = 3;
    /// <summary>Nobody approved in time: <c>expired</c>.</summary>
    public const int Expired = 4;
    /// <summary>The session was <c>cancelled</c> by someone else (or by <c>sre cancel</c>).</summary>
    public const int Cancelled = 5;
    /// <summary>The server could not be reached, timed out, failed (5xx) or the stream was lost.</summary>
    public const int ServerError = 6;
    /// <summary>401/403: no token, an unknown token, or a principal without the role.</summary>
    public const int NotAllowed = 7;
    /// <summary>The server rejected the request: unknown environment or session, not waiting for approval, bad input.</summary>
    public const int Rejected = 8;
    /// <summary>Interrupted with Ctrl-C (SIGINT); the session was cancelled on the server.</summary>
    public const int Interrupted = 130;

    public static int ForPhase(string? phase) => phase switch
    {
        Phases.Completed => Ok,
        Phases.Denied => Denied,
        Phases.Expired => Expired,
        Phases.Cancelled => Cancelled,
        Phases.Failed => Failed,
        _ => ServerError,
    };

    public static int For(SreClientException e) => e.Kind switch
    {
        SreErrorKind.Usage => Usage,
        SreErrorKind.Unauthorized or SreErrorKind.Forbidden => NotAllowed,
        SreErrorKind.NotFound or SreErrorKind.Conflict or SreErrorKind.Rejected => Rejected,
        _ => ServerError,
    };
}
