using Sre.Tools.Model;

namespace Sre.Tools.Secrets;

/// <summary>Checks every secret reference a configuration names, all at once, so the server can
/// refuse to start with the complete list of problems instead of failing at diagnosis time.
/// The caller supplies each reference's location (a config path); it adds file and line itself.</summary>
public static class SecretReferenceValidation
{
    /// <summary>Validates references keyed by where they were found. Returns one problem per bad
    /// reference, in input order; an empty list means all are valid.</summary>
    public static IReadOnlyList<SecretReferenceProblem> Validate(IEnumerable<KeyValuePair<string, string?>> referencesByLocation)
    {
        var problems = new List<SecretReferenceProblem>();
        foreach (var (location, text) in referencesByLocation)
        {
            if (!SecretReference.TryParse(text, out _, out var error))
                problems.Add(new SecretReferenceProblem(location, text, error));
        }
        return problems;
    }

    /// <summary>Validates the credential of every target in a catalog; locations are
    /// <c>sre.environments.&lt;env&gt;.targets[&lt;i&gt;].credential</c> with the target's name.</summary>
    public static IReadOnlyList<SecretReferenceProblem> Validate(EnvironmentCatalog catalog) =>
        Validate(catalog.Environments.Values
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .SelectMany(e => e.Targets.Select((t, i) => (Environment: e.Name, Index: i, Target: t)))
            .Where(x => x.Target.Credential is not null)
            .Select(x => KeyValuePair.Create(
                $"sre.environments.{x.Environment}.targets[{x.Index}].credential (target '{x.Target.Name}')",
                x.Target.Credential)));

    /// <summary>Throws one exception listing every problem, or returns when there are none.</summary>
    public static void ThrowIfAny(IReadOnlyList<SecretReferenceProblem> problems)
    {
        if (problems.Count > 0) throw new SecretReferenceValidationException(problems);
    }
}

/// <summary>One invalid reference: where it is, its text, and what is wrong (never the text when
/// it does not look like a reference, since that may be a pasted secret).</summary>
public sealed record SecretReferenceProblem(string Location, string? Text, string Problem)
{
    public string Message => $"{Location}: invalid secret reference {SecretReferenceFormatException.Quote(Text)}: {Problem}";

    /// <summary>Records print every property; this prints <see cref="Message"/>, which quotes the text safely.</summary>
    public override string ToString() => Message;
}

/// <summary>Configuration names invalid secret references; the message lists all of them.</summary>
public sealed class SecretReferenceValidationException(IReadOnlyList<SecretReferenceProblem> problems)
    : Exception($"{problems.Count} invalid secret reference(s) in the configuration:{Environment.NewLine}" +
                string.Join(Environment.NewLine, problems.Select(p => "  " + p.Message)))
{
    public IReadOnlyList<SecretReferenceProblem> Problems { get; } = problems;
}
