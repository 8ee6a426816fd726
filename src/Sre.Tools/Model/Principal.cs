namespace Sre.Tools.Model;

/// <summary>Who is asking: a name from the token map and the roles it grants.</summary>
public sealed record Principal(string Name, IReadOnlyList<string> Roles)
{
    public const string Requester = "requester";
    public const string Approver = "approver";
    public const string Admin = "admin";

    /// <summary>The principal of a loopback server run without tokens: the local user may do everything.</summary>
    public static Principal LocalUser { get; } = new("local", [Requester, Approver, Admin]);

    public bool Has(string role) => Roles.Contains(role, StringComparer.OrdinalIgnoreCase) || Roles.Contains(Admin, StringComparer.OrdinalIgnoreCase);
}
