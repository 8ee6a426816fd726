using Sre.Host.Tests.Support;

[assembly: AssemblyFixture(typeof(TestDatabase))]

// The suite starts PostgreSQL with initdb, runs the .cursor/sre shell wrapper and checks Unix file
// modes: it runs on Linux (CI is Debian 12), and says so to the platform analyzer.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
