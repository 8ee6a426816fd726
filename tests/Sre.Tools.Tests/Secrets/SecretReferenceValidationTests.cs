using Sre.Tools.Model;
using Sre.Tools.Secrets;

namespace Sre.Tools.Tests.Secrets;

public sealed class SecretReferenceValidationTests
{
    [Fact]
    public void Every_bad_reference_is_reported_with_its_location_in_input_order()
    {
        var problems = SecretReferenceValidation.Validate(new Dictionary<string, string?>
        {
            ["sre.llm.api-key-reference"] = "op://AI/openai/credential",
            ["sre.persistence.connection-reference"] = "op://Infra/journal db/conn:string",
            ["sre.environments.prod.targets[1].credential"] = "op://Infra",
            ["sre.environments.prod.targets[2].credential"] = "op://Infra/aws-readonly",
        });

        Assert.Equal(2, problems.Count);
        Assert.Equal("sre.persistence.connection-reference", problems[0].Location);
        Assert.Contains("contains ':'", problems[0].Problem);
        Assert.Equal("sre.environments.prod.targets[1].credential", problems[1].Location);
        Assert.Contains("names only a vault", problems[1].Problem);
        Assert.StartsWith("sre.persistence.connection-reference: invalid secret reference 'op://Infra/journal db/conn:string': ", problems[0].Message);
    }

    [Fact]
    public void A_valid_configuration_yields_no_problems_and_does_not_throw()
    {
        var problems = SecretReferenceValidation.Validate([KeyValuePair.Create("a", (string?)"op://v/i/f")]);
        Assert.Empty(problems);
        SecretReferenceValidation.ThrowIfAny(problems);
    }

    [Fact]
    public void A_catalog_is_validated_target_by_target()
    {
        var catalog = new EnvironmentCatalog(new Dictionary<string, DiagnosisEnvironment>
        {
            ["prod"] = new("prod",
            [
                new Target { Name = "prod-db", Kind = "postgres", Credential = "op://Infrastructure/prod-db" },
                new Target { Name = "app-logs", Kind = "logs" },
                new Target { Name = "aws", Kind = "cloudwatch", Credential = "op://Infrastructure/aws readonly!" },
            ]),
        });

        var problem = Assert.Single(SecretReferenceValidation.Validate(catalog));
        Assert.Equal("sre.environments.prod.targets[2].credential (target 'aws')", problem.Location);
        Assert.Contains("contains '!'", problem.Problem);
    }

    [Fact]
    public void ThrowIfAny_lists_every_problem_in_one_message()
    {
        var problems = SecretReferenceValidation.Validate(new Dictionary<string, string?>
        {
            ["first"] = "op://v",
            ["second"] = "op://v/i/f?attribute=colour",
        });
        var e = Assert.Throws<SecretReferenceValidationException>(() => SecretReferenceValidation.ThrowIfAny(problems));
        Assert.Contains("2 invalid secret reference(s)", e.Message);
        Assert.Contains("first: invalid secret reference 'op://v'", e.Message);
        Assert.Contains("second: invalid secret reference", e.Message);
        Assert.Equal(2, e.Problems.Count);
    }

    [Fact]
    public void A_secret_pasted_where_a_reference_belongs_is_reported_without_its_value()
    {
        const string pasted = "s3cr3t-CANARY-pasted";
        var problem = Assert.Single(SecretReferenceValidation.Validate([KeyValuePair.Create("sre.environments.prod.targets[0].credential", (string?)pasted)]));
        Assert.DoesNotContain(pasted, problem.Message);
        Assert.DoesNotContain(pasted, problem.ToString());
        Assert.Contains("must start with 'op://'", problem.Problem);
    }
}
