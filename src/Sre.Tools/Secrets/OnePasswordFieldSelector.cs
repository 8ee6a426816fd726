namespace Sre.Tools.Secrets;

/// <summary>Picks what a reference names out of a fetched item, with 1Password's resolution rules:
/// section by id or label, field by id or label (case-insensitive), an ambiguous label is an error
/// rather than a guess. Item-level references get every field that has a label and a value.
/// Errors name labels (safe to show), never values.</summary>
internal static class OnePasswordFieldSelector
{
    public static SecretBundle Select(OnePasswordItem item, SecretReference reference, string providerName)
    {
        var fields = item.Fields ?? [];
        if (reference.IsItemLevel) return new SecretBundle(reference, AllFields(item, reference, fields));

        var scope = fields;
        string? sectionLabel = null;
        if (reference.Section is { } sectionName)
        {
            var section = FindSection(item, reference, sectionName);
            sectionLabel = section.Label ?? section.Id;
            scope = fields.Where(f => f.Section?.Id == section.Id).ToList();
        }

        var field = FindField(item, reference, scope, sectionLabel);
        var label = string.IsNullOrEmpty(field.Label) ? field.Id : field.Label;
        return new SecretBundle(reference, [KeyValuePair.Create(label, AttributeOf(field, reference, providerName))]);
    }

    private static List<KeyValuePair<string, string>> AllFields(OnePasswordItem item, SecretReference reference, List<OnePasswordField> fields)
    {
        // A label used twice keeps the field outside any section, else the first: the same choice
        // for every fetch, and the labels a target needs (username, password) live at the top.
        var chosen = fields
            .Where(f => !string.IsNullOrEmpty(f.Label) && f.Value is not null)
            .GroupBy(f => f.Label!, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.FirstOrDefault(f => string.IsNullOrEmpty(f.Section?.Id)) ?? g.First())
            .Select(f => KeyValuePair.Create(f.Label!, f.Value!))
            .ToList();
        if (chosen.Count == 0)
            throw new SecretFetchException(reference, $"item '{item.Title}' has no fields with a label and a value");
        return chosen;
    }

    private static OnePasswordSection FindSection(OnePasswordItem item, SecretReference reference, string name)
    {
        var sections = item.Sections ?? [];
        var byId = sections.FirstOrDefault(s => string.Equals(s.Id, name, StringComparison.Ordinal));
        if (byId is not null) return byId;

        var byLabel = sections.Where(s => string.Equals(s.Label, name, StringComparison.OrdinalIgnoreCase)).ToList();
        return byLabel.Count switch
        {
            1 => byLabel[0],
            0 => throw new SecretFetchException(reference,
                $"item '{item.Title}' has no section '{name}' (its sections: {List(sections.Select(s => s.Label ?? s.Id))}). " +
                "Check the section in the reference, or leave it out when the field label is unique"),
            _ => throw new SecretFetchException(reference,
                $"item '{item.Title}' has {byLabel.Count} sections labelled '{name}'; use the section's id instead of its label"),
        };
    }

    private static OnePasswordField FindField(OnePasswordItem item, SecretReference reference, List<OnePasswordField> scope, string? sectionLabel)
    {
        var name = reference.Field!;
        var byId = scope.FirstOrDefault(f => string.Equals(f.Id, name, StringComparison.Ordinal));
        if (byId is not null) return byId;

        var where = sectionLabel is null ? $"item '{item.Title}'" : $"section '{sectionLabel}' of item '{item.Title}'";
        var byLabel = scope.Where(f => string.Equals(f.Label, name, StringComparison.OrdinalIgnoreCase)).ToList();
        return byLabel.Count switch
        {
            1 => byLabel[0],
            0 => throw new SecretFetchException(reference,
                $"{where} has no field '{name}' (its fields: {List(scope.Select(f => string.IsNullOrEmpty(f.Label) ? f.Id : f.Label!))}). " +
                "Check the field label in the reference, or use the field's id"),
            _ => throw new SecretFetchException(reference,
                $"{where} has {byLabel.Count} fields labelled '{name}' (in sections: " +
                $"{List(byLabel.Select(f => SectionLabel(item, f)))}); add the section to the reference " +
                "(op://vault/item/section/field) or use the field's id"),
        };
    }

    private static string AttributeOf(OnePasswordField field, SecretReference reference, string providerName)
    {
        if (reference.SshFormat is not null)
            throw new SecretFetchException(reference, $"'?ssh-format=' is not supported by the {providerName} provider; use the op-cli provider for SSH keys in OpenSSH format");
        return reference.Attribute switch
        {
            null or "value" => field.Value ?? "",
            "type" => field.Type ?? "",
            "id" => field.Id,
            "purpose" => field.Purpose ?? "",
            "otp" => field.Totp ?? throw new SecretFetchException(reference,
                $"field '{field.Label}' has no one-time password (its type is {field.Type ?? "unknown"}, not OTP)"),
            _ => throw new SecretFetchException(reference,
                $"the attribute '{reference.Attribute}' describes a file attachment, which the {providerName} provider does not read; use the op-cli provider"),
        };
    }

    private static string SectionLabel(OnePasswordItem item, OnePasswordField field) =>
        field.Section?.Id is not { Length: > 0 } id ? "(none)"
            : item.Sections?.FirstOrDefault(s => s.Id == id)?.Label ?? field.Section.Label ?? id;

    private static string List(IEnumerable<string?> names)
    {
        var list = names.OfType<string>().Where(n => n.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list.Select(n => $"'{n}'"));
    }
}
