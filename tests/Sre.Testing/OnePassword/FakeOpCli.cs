using System.Text;

namespace Sre.Testing.OnePassword;

/// <summary>A stand-in for the 1Password CLI: a small POSIX shell script in a temp directory, to
/// pass as the op path. It logs each invocation's arguments (one per line), refuses any
/// OP_SERVICE_ACCOUNT_TOKEN but the expected one the way op does (stderr, exit 1), and answers
/// exactly matching argument lists with canned stdout, stderr and exit code; anything else is an
/// unknown command. Answers are data files, so the script itself is written once.</summary>
public sealed class FakeOpCli : IDisposable
{
    private const string Script = """
        #!/bin/sh
        dir=$(dirname "$0")
        { for a in "$@"; do printf '%s\n' "$a"; done; printf '%s\n' '--end--'; } >> "$dir/args.log"
        { env | sed -n 's/^\(OP_[A-Z_]*\)=.*/\1/p' | sort | tr '\n' ' '; printf '\n'; } >> "$dir/env.log"
        if [ "${OP_SERVICE_ACCOUNT_TOKEN:-}" != "$(cat "$dir/token")" ]; then
          printf '%s\n' '[ERROR] 2026/01/05 09:00:00 failed to create session: invalid token: the service account token is not valid' >&2
          exit 1
        fi
        actual=$(printf '%s\n' "$@")
        for f in "$dir"/answers/*.args; do
          [ -e "$f" ] || continue
          if [ "$actual" = "$(cat "$f")" ]; then
            n=${f%.args}
            if [ -e "$n.hang" ]; then echo $$ > "$dir/hung.pid"; exec sleep 120; fi
            cat "$n.out"
            cat "$n.err" >&2
            exit "$(cat "$n.code")"
          fi
        done
        printf '%s\n' "[ERROR] 2026/01/05 09:00:00 unknown command or arguments" >&2
        exit 2
        """;

    private readonly string _directory;
    private int _answers;

    private FakeOpCli(string directory, string token)
    {
        _directory = directory;
        Token = token;
    }

    /// <summary>The service account token the fake accepts.</summary>
    public string Token { get; }

    /// <summary>The executable to configure as the op path.</summary>
    public string Path => System.IO.Path.Combine(_directory, "op");

    public static FakeOpCli Create(string? token = null)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("The fake op CLI is a POSIX shell script.");
        var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sre-fake-op-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(System.IO.Path.Combine(directory, "answers"));
        var fake = new FakeOpCli(directory, token ?? "ops_fake" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(System.IO.Path.Combine(directory, "token"), fake.Token);
        var script = System.IO.Path.Combine(directory, "op");
        File.WriteAllText(script, Script.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        fake.Answer(["whoami", "--format", "json"], """{"url":"https://example.1password.com","user_type":"SERVICE_ACCOUNT"}""");
        return fake;
    }

    /// <summary><c>op read --no-newline &lt;reference&gt;</c> prints <paramref name="value"/>.</summary>
    public FakeOpCli Read(string reference, string value) => Answer(["read", "--no-newline", reference], value);

    /// <summary><c>op item get &lt;item&gt; --vault &lt;vault&gt; --format json --reveal</c> prints <paramref name="json"/>.</summary>
    public FakeOpCli ItemGet(string vault, string item, string json) =>
        Answer(["item", "get", item, "--vault", vault, "--format", "json", "--reveal"], json);

    /// <summary>These arguments fail with <paramref name="stderr"/> and <paramref name="exitCode"/>.</summary>
    public FakeOpCli Fail(string[] arguments, string stderr, int exitCode = 1) => Answer(arguments, "", stderr, exitCode);

    /// <summary>These arguments never finish (the script sleeps).</summary>
    public FakeOpCli Hang(string[] arguments) => Write(arguments, "", "", 0, hang: true);

    public FakeOpCli Answer(string[] arguments, string stdout, string stderr = "", int exitCode = 0) =>
        Write(arguments, stdout, stderr, exitCode, hang: false);

    private FakeOpCli Write(string[] arguments, string stdout, string stderr, int exitCode, bool hang)
    {
        var n = Interlocked.Increment(ref _answers);
        if (hang) File.WriteAllText(AnswerPath(n, "hang"), "");
        File.WriteAllText(AnswerPath(n, "out"), stdout, new UTF8Encoding(false));
        File.WriteAllText(AnswerPath(n, "err"), stderr, new UTF8Encoding(false));
        File.WriteAllText(AnswerPath(n, "code"), exitCode.ToString());
        // Written last: the script only considers answers whose .args file exists.
        File.WriteAllText(AnswerPath(n, "args"), string.Join('\n', arguments) + "\n", new UTF8Encoding(false));
        return this;
    }

    /// <summary>Every invocation's arguments, in order.</summary>
    public IReadOnlyList<string[]> Invocations
    {
        get
        {
            var log = System.IO.Path.Combine(_directory, "args.log");
            if (!File.Exists(log)) return [];
            var result = new List<string[]>();
            var current = new List<string>();
            foreach (var line in File.ReadAllLines(log))
            {
                if (line == "--end--")
                {
                    result.Add([.. current]);
                    current.Clear();
                }
                else current.Add(line);
            }
            return result;
        }
    }

    /// <summary>The process id of the last invocation that hung (it became <c>sleep</c>), or null.</summary>
    public int? HungProcessId
    {
        get
        {
            var file = System.IO.Path.Combine(_directory, "hung.pid");
            return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pid) ? pid : null;
        }
    }

    /// <summary>For each invocation, the names (never values) of the OP_* variables the child saw.</summary>
    public IReadOnlyList<string[]> OpVariableNames
    {
        get
        {
            var log = System.IO.Path.Combine(_directory, "env.log");
            return File.Exists(log)
                ? File.ReadAllLines(log).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList()
                : [];
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A killed child may still hold a file for a moment; the temp directory is cleaned later.
        }
    }

    private string AnswerPath(int n, string extension) =>
        System.IO.Path.Combine(_directory, "answers", $"{n:D4}.{extension}");
}
