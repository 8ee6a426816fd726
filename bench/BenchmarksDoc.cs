namespace Sre.Bench;

/// <summary>docs/BENCHMARKS.md holds one section per benchmark between markers; each benchmark
/// rewrites only its own section.</summary>
public static class BenchmarksDoc
{
    public static async Task WriteSectionAsync(string path, string name, string section)
    {
        var start = $"<!-- {name}:start -->";
        var end = $"<!-- {name}:end -->";
        var block = $"{start}\n{section}{end}\n";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = File.Exists(path) ? await File.ReadAllTextAsync(path) : "# Benchmarks\n\nMeasured figures, newest run of each benchmark. Each section is rewritten by its benchmark.\n\n";
        var i = text.IndexOf(start, StringComparison.Ordinal);
        var j = text.IndexOf(end, StringComparison.Ordinal);
        text = i >= 0 && j > i ? text[..i] + block + text[(j + end.Length)..].TrimStart('\n') : text.TrimEnd('\n') + "\n\n" + block;
        await File.WriteAllTextAsync(path, text);
    }

    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Sre.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
