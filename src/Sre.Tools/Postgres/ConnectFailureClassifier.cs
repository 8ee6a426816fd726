using System.Net.Sockets;
using Npgsql;
using Sre.Tools.Agents;
using Sre.Tools.Secrets;

namespace Sre.Tools.Postgres;

/// <summary>Why a connection attempt failed, in words an on-call engineer can act on.</summary>
public sealed record ConnectFailureInfo(string Failure, string? SqlState, string Error, string Advice);

/// <summary>Turns the exception of a failed connect into a <see cref="ConnectFailure"/> value and
/// advice. Messages name host, port, user and database — never the password.</summary>
public static class ConnectFailureClassifier
{
    public static ConnectFailureInfo Classify(Exception exception, string host, int port, string database, string user, string? credentialReference)
    {
        var endpoint = $"{host}:{port}";
        var credential = credentialReference is null ? "the credential" : $"the credential {credentialReference}";
        switch (exception)
        {
            case PostgresException pg:
                return pg.SqlState switch
                {
                    PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification => new(
                        ConnectFailure.AuthFailure, pg.SqlState, pg.MessageText,
                        $"PostgreSQL at {endpoint} rejected the login of user '{user}' to database '{database}'. " +
                        $"Check that the password in {credential} matches the role's current password (it may have been rotated on one side only) " +
                        "and that pg_hba.conf allows this user from this host."),
                    PostgresErrorCodes.InvalidCatalogName => new(
                        ConnectFailure.DatabaseMissing, pg.SqlState, pg.MessageText,
                        $"Database '{database}' does not exist on {endpoint}. Correct the database name in the target's settings, " +
                        "or restore the database if it was dropped."),
                    PostgresErrorCodes.TooManyConnections => new(
                        ConnectFailure.TooManyClients, pg.SqlState, pg.MessageText,
                        $"PostgreSQL at {endpoint} refuses new connections: every non-reserved slot is taken. " +
                        "Find the application holding most connections (pg_stat_activity by application_name) from a superuser session, " +
                        "lower its pool size or end its idle sessions."),
                    PostgresErrorCodes.CannotConnectNow => new(
                        ConnectFailure.Unreachable, pg.SqlState, pg.MessageText,
                        $"PostgreSQL at {endpoint} is up but not accepting sessions (starting up, shutting down or in recovery). Check the server log and instance status."),
                    _ => new(ConnectFailure.Other, pg.SqlState, pg.MessageText,
                        $"PostgreSQL at {endpoint} refused the session with SQLSTATE {pg.SqlState}. See the error and the server log."),
                };
            case CredentialRefusedException refused:
                return new(ConnectFailure.Other, null, refused.Message,
                    $"The agent could not use {credential}: {refused.Reason}. Approve the credential again or check the secret store.");
            case SecretFetchException fetch:
                return new(ConnectFailure.Other, null, fetch.Message,
                    $"{credential} is missing what a PostgreSQL login needs (fields 'username' and 'password').");
        }

        if (Find<SocketException>(exception) is { } socket)
        {
            var what = socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "refused the connection (nothing listens on that port)",
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "could not be resolved (DNS)",
                SocketError.TimedOut => "did not answer (connect timed out)",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "is not reachable from this network",
                _ => $"failed at the network level ({socket.SocketErrorCode})",
            };
            return new(ConnectFailure.Unreachable, null, socket.Message,
                $"{endpoint} {what}. Check that the PostgreSQL instance is running and listening on port {port}, " +
                "that the host name resolves, and that firewalls or security groups allow this host.");
        }

        if (Find<TimeoutException>(exception) is not null || exception is OperationCanceledException)
            return new(ConnectFailure.Unreachable, null, "connect timed out",
                $"{endpoint} did not complete a connection and login in time. Check that the instance is running and reachable; " +
                "a server overloaded by connections can also answer this slowly.");

        if (Find<System.Security.Authentication.AuthenticationException>(exception) is { } tls)
            return new(ConnectFailure.Other, null, tls.Message,
                $"The TLS handshake with {endpoint} failed. Check the target's sslmode and the server's certificate.");

        return new(ConnectFailure.Other, null, exception.Message,
            $"Connecting to {endpoint} failed ({exception.GetType().Name}). See the error.");
    }

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
            if (e is T t) return t;
        return null;
    }
}
