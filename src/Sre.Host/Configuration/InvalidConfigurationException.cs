namespace Sre.Host.Configuration;

/// <summary>The configuration cannot be used; the message names the file (and line when known) and
/// what to change. `sre serve` prints it and exits before anything starts.</summary>
public sealed class InvalidConfigurationException(string message) : Exception(message);
