using System.Text;

namespace Sre.Tools.Secrets;

/// <summary>A TextWriter that passes whole lines through a <see cref="SecretRedactor"/> before they
/// reach the inner writer (console, file, a log sink's output). It buffers up to each newline, so a
/// secret written in several pieces is still masked; <see cref="Flush"/> redacts and writes a partial
/// line. Independent of any logging library: wrap whatever writer the host logs to.</summary>
public sealed class RedactingTextWriter(TextWriter inner, SecretRedactor redactor, bool leaveOpen = false) : TextWriter
{
    /// <summary>A partial line longer than this is written (redacted) without waiting for a newline,
    /// so one endless line cannot grow memory without bound.</summary>
    public const int MaxBufferedChars = 64 * 1024;

    private readonly StringBuilder _line = new();
    private readonly Lock _gate = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        lock (_gate) AppendLocked([value]);
    }

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        lock (_gate) AppendLocked(buffer);
    }

    public override void Write(string? value) => Write(value.AsSpan());

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            AppendLocked(value.AsSpan());
            AppendLocked(CoreNewLine);
        }
    }

    private void AppendLocked(ReadOnlySpan<char> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var newline = buffer.IndexOf('\n');
            var take = newline < 0 ? buffer.Length : newline + 1;
            _line.Append(buffer[..take]);
            buffer = buffer[take..];
            if (newline >= 0 || _line.Length >= MaxBufferedChars) EmitLocked();
        }
    }

    public override void Flush()
    {
        lock (_gate)
        {
            if (_line.Length > 0) EmitLocked();
            inner.Flush();
        }
    }

    public override Task FlushAsync() { Flush(); return Task.CompletedTask; }

    private void EmitLocked()
    {
        inner.Write(redactor.Redact(_line.ToString()));
        _line.Clear();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
            if (!leaveOpen) inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
