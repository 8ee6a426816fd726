using System.Diagnostics;
using System.Text;
using Sre.Host.Tests.Support;

namespace Sre.Host.Tests.ClientCli;

/// <summary>An interactive `sre` child process whose output is read as it is written, character by
/// character — a question like "Approve? [y/N] " has no newline yet is already on the screen.
/// Optionally on a pseudo-terminal through util-linux `script`.</summary>
public sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _pumps;

    private CliProcess(ProcessStartInfo psi)
    {
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        _process = Process.Start(psi)!;
        _pumps = Task.WhenAll(Pump(_process.StandardOutput, _stdout), Pump(_process.StandardError, _stderr));
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public int Id => _process.Id;

    public static CliProcess Start(IDictionary<string, string?> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet");
        psi.ArgumentList.Add(SreProcess.Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        return new CliProcess(psi);
    }

    /// <summary>`sre ARGS` on a pseudo-terminal: stdin and stdout are a tty for sre; we talk to
    /// `script`, which relays keystrokes and the screen.</summary>
    public static CliProcess StartOnTerminal(IDictionary<string, string?> environment, params string[] args)
    {
        var command = string.Join(' ', new[] { "dotnet", SreProcess.Dll }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var psi = new ProcessStartInfo("script", ["-q", "-f", "-e", "-c", command, "/dev/null"]);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        return new CliProcess(psi);
    }

    public async Task WaitForOutputAsync(string text, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + SreCli.Timeout;
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited && !Stdout.Contains(text, StringComparison.Ordinal) && _pumps.IsCompleted)
                throw new TimeoutException($"'{text}' never appeared.\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}");
            await Task.Delay(50, cancellationToken);
        }
    }

    public async Task TypeAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        await _process.StandardInput.FlushAsync();
    }

    public void Signal(string name) => Process.Start("kill", ["-" + name, _process.Id.ToString()])!.WaitForExit();

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(SreCli.Timeout);
        await _process.WaitForExitAsync(timeout.Token);
        await _pumps;
        return _process.ExitCode;
    }

    private static async Task Pump(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
            lock (into) into.Append(buffer, 0, n);
    }

    public override string ToString() => $"--- stdout\n{Stdout}\n--- stderr\n{Stderr}";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
