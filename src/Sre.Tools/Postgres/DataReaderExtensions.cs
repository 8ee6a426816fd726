using Npgsql;

namespace Sre.Tools.Postgres;

/// <summary>Typed reads by column name; diagnostic SQL casts to these built-in types.</summary>
public static class DataReaderExtensions
{
    public static string? Text(this NpgsqlDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetValue(i).ToString();
    }

    public static long Long(this NpgsqlDataReader r, string column) => r.NullableLong(column) ?? 0;

    public static long? NullableLong(this NpgsqlDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : Convert.ToInt64(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static double Double(this NpgsqlDataReader r, string column) => r.NullableDouble(column) ?? 0;

    public static double? NullableDouble(this NpgsqlDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : Convert.ToDouble(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static bool Bool(this NpgsqlDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return !r.IsDBNull(i) && r.GetBoolean(i);
    }

    public static DateTimeOffset? Time(this NpgsqlDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc));
    }

    public static int[] IntArray(this NpgsqlDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? [] : r.GetFieldValue<int[]>(i);
    }
}
