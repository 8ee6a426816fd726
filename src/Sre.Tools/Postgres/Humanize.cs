using System.Globalization;

namespace Sre.Tools.Postgres;

/// <summary>Numbers as a person reads them in titles and summaries.</summary>
public static class Humanize
{
    public static string Duration(double seconds)
    {
        if (seconds < 0) seconds = 0;
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalSeconds < 60 ? $"{seconds.ToString(seconds < 10 ? "0.#" : "0", CultureInfo.InvariantCulture)} s"
            : t.TotalMinutes < 60 ? $"{(int)t.TotalMinutes} min {t.Seconds} s"
            : t.TotalHours < 48 ? $"{(int)t.TotalHours} h {t.Minutes} min"
            : $"{(int)t.TotalDays} days {t.Hours} h";
    }

    public static string Bytes(double bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        var i = 0;
        while (Math.Abs(bytes) >= 1024 && i < units.Length - 1) { bytes /= 1024; i++; }
        return $"{bytes.ToString(i == 0 ? "0" : "0.#", CultureInfo.InvariantCulture)} {units[i]}";
    }

    public static string Count(double n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Percent(double ratio) => (ratio * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    public static string Milliseconds(double ms) =>
        ms >= 1000 ? Duration(ms / 1000) : ms.ToString(ms < 10 ? "0.##" : "0", CultureInfo.InvariantCulture) + " ms";
}
