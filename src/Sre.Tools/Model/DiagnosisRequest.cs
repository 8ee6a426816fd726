namespace Sre.Tools.Model;

/// <summary>What the engineer asked: the problem in their words, where, and any context they had.</summary>
public sealed record DiagnosisRequest(
    string Problem,
    string Environment,
    IReadOnlyDictionary<string, string>? Context = null);
