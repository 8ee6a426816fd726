using Sre.Host.Tests.Support;

[assembly: AssemblyFixture(typeof(TestDatabase))]
