namespace Sre.Bench;

/// <summary>Order statistics of a sample (nearest-rank percentiles).</summary>
public sealed record Stats(int N, double Min, double Median, double P95, double Max, double Mean)
{
    public static Stats Of(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return new Stats(0, 0, 0, 0, 0, 0);
        double Rank(double p) => v[Math.Clamp((int)Math.Ceiling(p * v.Length) - 1, 0, v.Length - 1)];
        var median = v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        return new Stats(v.Length, v[0], median, Rank(0.95), v[^1], v.Average());
    }
}
