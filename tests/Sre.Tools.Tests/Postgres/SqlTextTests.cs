using System.Net.Sockets;
using Npgsql;
using Sre.Tools.Postgres;

namespace Sre.Tools.Tests.Postgres;

public sealed class SqlTextTests
{
    [Fact]
    public void Statement_text_is_one_line_trimmed_and_string_literals_are_masked()
    {
        var shown = SqlText.Show("ALTER ROLE app\n   PASSWORD 'hunter2''s secret'", 200);
        Assert.Equal("ALTER ROLE app PASSWORD '…'", shown);
        Assert.Equal(10, SqlText.Show(new string('x', 50), 10).Length);
    }

    [Theory]
    [InlineData("orders", "orders")]
    [InlineData("Orders", "\"Orders\"")]
    [InlineData("order", "\"order\"")]
    [InlineData("my table", "\"my table\"")]
    [InlineData("a\"b", "\"a\"\"b\"")]
    public void Identifiers_are_quoted_only_when_postgres_needs_it(string name, string expected)
    {
        Assert.Equal(expected, SqlText.Ident(name));
    }

    [Fact]
    public void A_refused_tcp_connect_is_unreachable_and_the_advice_names_the_endpoint()
    {
        var e = new NpgsqlException("Failed to connect to 10.1.2.3:5432", new SocketException((int)SocketError.ConnectionRefused));

        var info = ConnectFailureClassifier.Classify(e, "db.internal", 5432, "app", "monitor", "op://Infra/prod-db");

        Assert.Equal(ConnectFailure.Unreachable, info.Failure);
        Assert.Contains("db.internal:5432 refused the connection", info.Advice);
    }

    [Fact]
    public void A_dns_failure_is_unreachable_with_the_name_resolution_called_out()
    {
        var e = new NpgsqlException("No such host", new SocketException((int)SocketError.HostNotFound));

        var info = ConnectFailureClassifier.Classify(e, "db.internal", 5432, "app", "monitor", null);

        Assert.Equal(ConnectFailure.Unreachable, info.Failure);
        Assert.Contains("could not be resolved", info.Advice);
    }
}
