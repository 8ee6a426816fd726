using System.Net;
using System.Net.Sockets;

namespace Sre.Testing.Postgres;

/// <summary>A loopback port that refuses connections for as long as this is held: bound but never
/// listened on. A port that is merely free now (<see cref="FreePort"/>) can be taken by a server
/// started a moment later, and the "unreachable" target would then answer.</summary>
public sealed class RefusedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public int Port { get; }

    public RefusedPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        // .NET binds with SO_REUSEADDR; without it, a server binding with SO_REUSEADDR (PostgreSQL
        // does) cannot share the port while this socket holds it.
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public void Dispose() => _socket.Dispose();
}
