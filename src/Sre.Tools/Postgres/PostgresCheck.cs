using System.Text.Json.Nodes;
using Sre.Tools.Model;

namespace Sre.Tools.Postgres;

/// <summary>One read-only look at the database: runs its queries in the session it is given and
/// returns its findings. Checks never write, never run text from outside as SQL, and report
/// "nothing abnormal" as an info finding so the report can say what was ruled out.</summary>
public abstract class PostgresCheck
{
    public abstract string Name { get; }

    public abstract Task<IReadOnlyList<Finding>> RunAsync(CheckContext context, CancellationToken cancellationToken);

    protected Finding NewFinding(CheckContext context, Severity severity, string kind, string title, string detail, JsonObject? data = null)
    {
        data ??= new JsonObject();
        data["kind"] = kind;
        return new Finding
        {
            Agent = AgentKind.Database,
            Target = context.Target.Name,
            Check = Name,
            Severity = severity,
            Title = title,
            Detail = detail,
            Data = data,
        };
    }

    /// <summary>Severity of a value against a warning and a critical bound (higher is worse).</summary>
    protected static Severity Grade(double value, double warning, double critical) =>
        value >= critical ? Severity.Critical : value >= warning ? Severity.Warning : Severity.Info;
}
