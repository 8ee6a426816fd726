namespace Sre.Tools.Model;

/// <summary>How much a finding matters on its own; ranking a root cause also weighs what it explains.</summary>
public enum Severity
{
    Info = 0,
    Warning = 1,
    Critical = 2,
}
