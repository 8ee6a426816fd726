using System.Security.Cryptography;

namespace Sre.Testing.OnePassword;

/// <summary>A vault on the <see cref="FakeConnectServer"/>. Add items with <see cref="AddItem"/>.</summary>
public sealed class FakeVault
{
    private readonly Lock _gate;
    private readonly List<FakeItem> _items = [];

    internal FakeVault(string id, string name, Lock gate)
    {
        Id = id;
        Name = name;
        _gate = gate;
    }

    public string Id { get; }
    public string Name { get; }

    internal IReadOnlyList<FakeItem> Items
    {
        get { lock (_gate) return _items.ToList(); }
    }

    /// <summary>Adds an item (category LOGIN, DATABASE, API_CREDENTIAL, PASSWORD …) with no fields yet.</summary>
    public FakeItem AddItem(string title, string category = "LOGIN", string? id = null)
    {
        var item = new FakeItem(id ?? FakeIds.New(), title, category, this, _gate);
        lock (_gate) _items.Add(item);
        return item;
    }

    /// <summary>A LOGIN item with the built-in username and password fields, as 1Password creates them.</summary>
    public FakeItem AddLogin(string title, string username, string password, string? id = null) =>
        AddItem(title, "LOGIN", id)
            .WithField("username", username, type: "STRING", purpose: "USERNAME", id: "username")
            .WithField("password", password, type: "CONCEALED", purpose: "PASSWORD", id: "password");
}

/// <summary>An item on the <see cref="FakeConnectServer"/>: sections and fields in Connect's shapes.</summary>
public sealed class FakeItem
{
    private readonly Lock _gate;
    private readonly List<FakeSection> _sections = [];
    private readonly List<FakeField> _fields = [];

    internal FakeItem(string id, string title, string category, FakeVault vault, Lock gate)
    {
        Id = id;
        Title = title;
        Category = category;
        Vault = vault;
        _gate = gate;
    }

    public string Id { get; }
    public string Title { get; }
    public string Category { get; }
    public FakeVault Vault { get; }

    internal IReadOnlyList<FakeSection> Sections
    {
        get { lock (_gate) return _sections.ToList(); }
    }

    internal IReadOnlyList<FakeField> Fields
    {
        get { lock (_gate) return _fields.ToList(); }
    }

    /// <summary>Adds a section (fields can also create theirs by label through <see cref="WithField"/>).</summary>
    public FakeItem WithSection(string label, string? id = null)
    {
        lock (_gate) SectionLocked(label, id);
        return this;
    }

    /// <summary>Adds a field. <paramref name="section"/> is a section label (created when new);
    /// <paramref name="totp"/> is the code Connect computes for OTP fields.</summary>
    public FakeItem WithField(string label, string value, string type = "STRING", string? purpose = null,
        string? section = null, string? id = null, string? totp = null)
    {
        lock (_gate)
        {
            var s = section is null ? null : SectionLocked(section, null);
            _fields.Add(new FakeField(id ?? FakeIds.New(), label, value, type, purpose, s?.Id, totp));
        }
        return this;
    }

    /// <summary>Changes the value of every field with this label (a rotation).</summary>
    public FakeItem SetValue(string label, string value)
    {
        lock (_gate)
        {
            for (var i = 0; i < _fields.Count; i++)
            {
                if (string.Equals(_fields[i].Label, label, StringComparison.OrdinalIgnoreCase))
                    _fields[i] = _fields[i] with { Value = value };
            }
        }
        return this;
    }

    /// <summary>True once <see cref="Archive"/> was called: the item carries <c>"state": "ARCHIVED"</c>.</summary>
    public bool Archived { get; private set; }

    /// <summary>Moves the item to the archive; Connect still lists it, marked ARCHIVED.</summary>
    public FakeItem Archive()
    {
        Archived = true;
        return this;
    }

    public string SectionId(string label)
    {
        lock (_gate) return _sections.First(s => s.Label == label).Id;
    }

    public string FieldId(string label)
    {
        lock (_gate) return _fields.First(f => f.Label == label).Id;
    }

    private FakeSection SectionLocked(string label, string? id)
    {
        var existing = _sections.FirstOrDefault(s => s.Label == label && (id is null || s.Id == id));
        if (existing is not null) return existing;
        var section = new FakeSection(id ?? FakeIds.New(), label);
        _sections.Add(section);
        return section;
    }
}

internal sealed record FakeSection(string Id, string Label);

internal sealed record FakeField(string Id, string Label, string Value, string Type, string? Purpose, string? SectionId, string? Totp);

/// <summary>1Password ids: 26 lower-case letters and digits.</summary>
public static class FakeIds
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static string New() => RandomNumberGenerator.GetString(Alphabet, 26);
}
