using Sre.Tools.Postgres.Checks;

namespace Sre.Tools.Tests.Postgres;

public sealed class WhereColumnsTests
{
    [Theory]
    [InlineData("SELECT id, amount FROM orders WHERE customer_email = $1", new[] { "customer_email" })]
    [InlineData("select * from orders o where o.status = $1 and o.created_at >= $2 order by id limit $3", new[] { "status", "created_at" })]
    [InlineData("UPDATE orders SET paid = true WHERE \"CustomerId\" IN ($1, $2) RETURNING id", new[] { "CustomerId" })]
    [InlineData("SELECT count(*) FROM orders WHERE region = ANY($1) GROUP BY region", new[] { "region" })]
    [InlineData("SELECT * FROM orders WHERE note LIKE $1 OR deleted_at IS NULL", new[] { "note", "deleted_at" })]
    [InlineData("SELECT * FROM orders WHERE amount BETWEEN $1 AND $2", new[] { "amount" })]
    public void Columns_compared_in_where_clauses_are_found(string sql, string[] expected)
    {
        Assert.Equal(expected, WhereColumns.Extract(sql));
    }

    [Theory]
    [InlineData("SELECT * FROM orders WHERE lower(customer_email) = $1")]
    [InlineData("SELECT * FROM orders")]
    [InlineData("INSERT INTO orders (id) VALUES ($1)")]
    public void Expressions_and_statements_without_a_filter_suggest_nothing(string sql)
    {
        Assert.Empty(WhereColumns.Extract(sql));
    }

    [Theory]
    [InlineData("SELECT * FROM orders WHERE id = $1", true)]
    [InlineData("SELECT * FROM public.orders o JOIN items i ON i.order_id = o.id", true)]
    [InlineData("UPDATE \"orders\" SET x = $1", true)]
    [InlineData("DELETE FROM orders WHERE id = $1", true)]
    [InlineData("INSERT INTO orders SELECT * FROM staging", false)]
    [InlineData("SELECT * FROM orders_archive WHERE id = $1", false)]
    public void A_statement_mentions_a_table_only_where_it_scans_it(string sql, bool expected)
    {
        Assert.Equal(expected, WhereColumns.Mentions(sql, "public", "orders"));
    }

    [Fact]
    public void Table_names_become_a_regular_expression_with_everything_but_word_characters_escaped()
    {
        Assert.Equal(@"(orders|my\-table|a\.b)", IndexUsageCheck.NamePattern(["Orders", "my-table", "a.b", "orders"]));
    }
}
