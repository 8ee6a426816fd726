namespace Sre.Actors.Hosting;

/// <summary>Keys of the actors registered in Akka.Hosting's ActorRegistry.</summary>
public sealed class SessionRegion;

public sealed class CredentialActorKey;

public sealed class AuditLogKey;

public sealed class SessionDirectoryKey;

/// <summary>Node roles.</summary>
public static class SreRoles
{
    /// <summary>Serves HTTP, hosts sessions, the credential actor and the secret provider.</summary>
    public const string Main = "main";

    /// <summary>Hosts agent workers (routees of the pools).</summary>
    public const string Runner = "runner";
}
