using System.Diagnostics;
using System.Text;

namespace Sre.Host.Tests.Support;

/// <summary>Runs the real `sre` program (the built sre.dll) as a child process, as a user would.</summary>
public sealed class SreProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    public int Id => _process.Id;

    private SreProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "sre.dll");

    public static SreProcess Start(string workingDirectory, IDictionary<string, string?>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>()) psi.Environment[k] = v;
        return new SreProcess(Process.Start(psi)!);
    }

    /// <summary>Runs to completion and returns the exit code.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string workingDirectory, IDictionary<string, string?>? environment, TimeSpan timeout, params string[] args)
    {
        await using var p = Start(workingDirectory, environment, args);
        var exit = await p.WaitForExitAsync(timeout);
        return (exit, p.Stdout, p.Stderr);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // flush the async output readers
        return _process.ExitCode;
    }

    public async Task WriteInputAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        await _process.StandardInput.FlushAsync();
    }

    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Sends a POSIX signal (TERM for a graceful stop, INT for Ctrl-C).</summary>
    public void Signal(string name) => Process.Start("kill", ["-" + name, _process.Id.ToString()])!.WaitForExit();

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
