using Sre.Tools.Model;

namespace Sre.Tools.Planning;

/// <summary>Problem text + the environment's catalog → which agents, targets, checks and credential
/// references. Sees references and names only, never a secret.</summary>
public interface IPlanner
{
    Task<DiagnosisPlan> PlanAsync(DiagnosisRequest request, DiagnosisEnvironment environment, CancellationToken cancellationToken);
}
