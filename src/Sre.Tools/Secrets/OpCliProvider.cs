using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sre.Tools.Secrets;

/// <summary>Secrets through the 1Password CLI with a service account (<c>op-cli</c>): <c>op read</c>
/// for a field reference, <c>op item get … --format json</c> for an item-level one. No shell: the
/// reference is one argument in <see cref="ProcessStartInfo.ArgumentList"/>. The token goes into the
/// child's environment only (never this process's), stdout is the secret and is never logged, stderr
/// becomes an error that names the reference and what to do, and a run past the timeout is killed.</summary>
public sealed partial class OpCliProvider : ISecretProvider
{
    private const int MaxErrorChars = 300;

    private readonly OpCliOptions _options;

    public OpCliProvider(OpCliOptions options)
    {
        options.Validate();
        _options = options;
    }

    public string Name => "op-cli";
    public bool IsDevelopmentOnly => false;

    public async Task<SecretBundle> FetchAsync(SecretReference reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.IsItemLevel)
        {
            var json = await RunForAsync(reference,
                ["item", "get", reference.Item, "--vault", reference.Vault, "--format", "json", "--reveal"], cancellationToken);
            OnePasswordItem? item;
            try
            {
                item = JsonSerializer.Deserialize<OnePasswordItem>(json, OnePasswordItem.Json);
            }
            catch (JsonException)
            {
                // The parser's message can quote the output, which holds values: say only what failed.
                throw new SecretFetchException(reference, $"'{_options.OpPath} item get' printed something that is not an item in JSON; check the op CLI version (2.x is needed)");
            }
            if (item is null) throw new SecretFetchException(reference, $"'{_options.OpPath} item get' printed no item");
            return OnePasswordFieldSelector.Select(item, reference, Name);
        }

        // op resolves the reference itself, queries included; the value is stdout, byte for byte.
        var value = await RunForAsync(reference, ["read", "--no-newline", reference.ToString()], cancellationToken);
        return new SecretBundle(reference, [KeyValuePair.Create(reference.Field!, value)]);
    }

    /// <summary>Healthy when <c>op whoami</c> succeeds with the token: the executable runs and the
    /// service account is accepted.</summary>
    public async Task<ProviderHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(null, ["whoami", "--format", "json"], cancellationToken);
            return new ProviderHealth(true, $"1Password CLI '{_options.OpPath}' is signed in with the service account");
        }
        catch (OpCliException e)
        {
            return new ProviderHealth(false, e.Message);
        }
    }

    private async Task<string> RunForAsync(SecretReference reference, string[] arguments, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(reference, arguments, cancellationToken);
        }
        catch (OpCliException e)
        {
            throw new SecretFetchException(reference, e.Message);
        }
    }

    /// <summary>Runs op with these arguments and returns stdout, or throws <see cref="OpCliException"/>
    /// built from stderr. <paramref name="reference"/> (null for the health check) only shapes advice.</summary>
    private async Task<string> RunAsync(SecretReference? reference, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_options.OpPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
            CreateNoWindow = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        // The child's environment is a copy: setting the token here never touches this process's.
        // Inherited sign-in settings are dropped: Connect variables would make op talk to a Connect
        // server, a session or account would make it act as someone else. OP_CONFIG_DIR and the
        // like stay, so operators can still point op at a writable directory.
        foreach (var inherited in start.Environment.Keys.Where(IsSignInVariable).ToList())
            start.Environment.Remove(inherited);
        start.Environment["OP_SERVICE_ACCOUNT_TOKEN"] = _options.ServiceAccountToken;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new OpCliException($"the 1Password CLI '{_options.OpPath}' could not be started ({e.Message}). Install op 2.x " +
                                   "or set sre.secrets.op-cli.path to its full path");
        }
        process.StandardInput.Close(); // op must never wait for a prompt answer

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            await Task.WhenAll(stdout, stderr);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            cancellationToken.ThrowIfCancellationRequested();
            throw new OpCliException($"the 1Password CLI did not finish within {_options.Timeout.TotalSeconds:0.###} s and was stopped. " +
                                   "Check network access to 1Password from this host, or raise sre.secrets.op-cli.timeout");
        }

        if (process.ExitCode != 0)
        {
            var message = CleanStderr(await stderr);
            throw new OpCliException($"'{_options.OpPath} {arguments[0]}' failed (exit code {process.ExitCode}: {message}). {Advice(message, reference)}");
        }
        return await stdout;
    }

    private static bool IsSignInVariable(string name) =>
        name is "OP_CONNECT_HOST" or "OP_CONNECT_TOKEN" or "OP_ACCOUNT" or "OP_SERVICE_ACCOUNT_TOKEN"
        || name.StartsWith("OP_SESSION_", StringComparison.Ordinal);

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(5)); // reap it; SIGKILL makes this quick
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    private sealed class OpCliException(string reason) : Exception(reason);

    /// <summary>stderr on one line, without the token, known secret shapes or op's log prefix.</summary>
    private string CleanStderr(string stderr)
    {
        var text = stderr.Replace(_options.ServiceAccountToken, SecretRedactor.Mask, StringComparison.Ordinal);
        text = SecretRedactor.RedactKnownShapes(LogPrefix().Replace(text, ""));
        text = string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (text.Length == 0) return "no error output";
        return text.Length <= MaxErrorChars ? text : text[..MaxErrorChars] + "…";
    }

    private static string Advice(string message, SecretReference? reference)
    {
        var m = message.ToLowerInvariant();
        // op's own phrasing first ("\"x\" isn't an item in the \"y\" vault"), then single words.
        if (m.Contains("isn't a vault") || m.Contains("vault not found"))
            return $"Check the vault name{(reference is null ? "" : $" '{reference.Vault}'")} and that the service account may read that vault.";
        if (m.Contains("isn't an item") || m.Contains("item not found"))
            return $"Check the item title{(reference is null ? "" : $" '{reference.Item}'")} (or use its id).";
        if (m.Contains("isn't a field") || m.Contains("isn't a section") || m.Contains("does not have a field"))
            return "Check the section and field labels in the reference (or use their ids).";
        if (m.Contains("unauthorized") || m.Contains("401") || m.Contains("invalid token") || m.Contains("token is invalid")
            || m.Contains("authentication") || m.Contains("authenticate") || m.Contains("sign in") || m.Contains("signin")
            || m.Contains("not signed in") || m.Contains("service account"))
            return "Check the service account token (sre.secrets.op-cli.token, usually OP_SERVICE_ACCOUNT_TOKEN): it may be mistyped, expired or revoked.";
        if (m.Contains("more than one") || m.Contains("multiple"))
            return "Several objects match a name in the reference; use the ids of the vault, item or field instead.";
        if (m.Contains("vault"))
            return $"Check the vault name{(reference is null ? "" : $" '{reference.Vault}'")} and that the service account may read that vault.";
        if (m.Contains("item"))
            return $"Check the item title{(reference is null ? "" : $" '{reference.Item}'")} (or use its id).";
        if (m.Contains("field") || m.Contains("section"))
            return "Check the section and field labels in the reference (or use their ids).";
        return reference is null
            ? "Run 'op whoami' with the same service account token to see the full error."
            : $"Run \"op read '{reference}'\" with the same service account token to see the full error.";
    }

    [GeneratedRegex(@"\[(?:ERROR|WARN|INFO)\]\s+\d{4}/\d{2}/\d{2}\s+\d{2}:\d{2}:\d{2}\s*")]
    private static partial Regex LogPrefix();
}
