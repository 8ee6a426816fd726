using System.Globalization;
using System.Reflection;
using Akka.Configuration;

namespace Sre.Host.Configuration;

/// <summary>Binds a HOCON section onto an options record: kebab-case keys to PascalCase properties
/// (long-running-query-warning → LongRunningQueryWarning), durations as HOCON durations. Unknown
/// keys and unreadable values stop the server with the key's path and the keys it knows.</summary>
public static class HoconBinder
{
    /// <param name="nested">Keys that are sub-sections bound separately.</param>
    public static T Bind<T>(Config? section, string path, T defaults, params string[] nested) where T : class
    {
        if (section is null || section.IsEmpty) return defaults;
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && IsSupported(p.PropertyType))
            .ToDictionary(p => Kebab(p.Name), StringComparer.OrdinalIgnoreCase);
        // Records are cloned through their copy constructor ("with"), so defaults stay untouched.
        var clone = (T)typeof(T).GetMethod("<Clone>$")!.Invoke(defaults, null)!;
        foreach (var key in section.Root.GetObject().Items.Keys.Except(nested))
        {
            if (!properties.TryGetValue(key, out var property))
                throw new InvalidConfigurationException($"{path}.{key} is not a setting; known: {string.Join(", ", properties.Keys.Order())}");
            try
            {
                property.SetValue(clone, Read(section, key, property.PropertyType));
            }
            catch (Exception e) when (e is not InvalidConfigurationException)
            {
                throw new InvalidConfigurationException($"{path}.{key} could not be read as {Describe(property.PropertyType)}: {e.Message}");
            }
        }
        return clone;
    }

    private static bool IsSupported(Type t) => t == typeof(TimeSpan) || t == typeof(double) || t == typeof(int) || t == typeof(long) || t == typeof(bool) || t == typeof(string);

    private static object Read(Config c, string key, Type t) =>
        t == typeof(TimeSpan) ? c.GetTimeSpan(key)
        : t == typeof(double) ? double.Parse(c.GetString(key), CultureInfo.InvariantCulture)
        : t == typeof(int) ? c.GetInt(key)
        : t == typeof(long) ? c.GetLong(key)
        : t == typeof(bool) ? c.GetBoolean(key)
        : c.GetString(key);

    private static string Describe(Type t) => t == typeof(TimeSpan) ? "a duration (30s, 5m)" : t.Name.ToLowerInvariant();

    private static string Kebab(string name) =>
        string.Concat(name.Select((ch, i) => i > 0 && char.IsUpper(ch) ? "-" + char.ToLowerInvariant(ch) : char.ToLowerInvariant(ch).ToString()));
}
