using Hop.Interop.Tests.Keys;

namespace Hop.Interop.Tests.Fixtures;

/// <summary>
/// A SoftHSM2 token of its own (its own token directory and softhsm2.conf, named by SOFTHSM2_CONF in
/// <see cref="Environment"/>), labelled "hoptest" with user PIN 1234, holding keys made by ssh-keygen and
/// imported as PKCS#8: "k1" (RSA 2048, CKA_ID 01) and "k2" (ECDSA P-256, CKA_ID 02). Their OpenSSH public
/// keys are <see cref="RsaPublicKeyPath"/> and <see cref="EcdsaPublicKeyPath"/>.
/// </summary>
internal sealed class SoftHsmToken : IDisposable
{
    public const string Module = "/usr/lib/softhsm/libsofthsm2.so";
    public const string Label = "hoptest";
    public const string Pin = "1234";

    private readonly TempDir _dir = new();

    public SoftHsmToken()
    {
        Assert.True(File.Exists(Module), $"{Module} is missing (apt-get install softhsm2)");
        System.IO.Directory.CreateDirectory(_dir["tokens"]);
        File.WriteAllText(_dir["softhsm2.conf"], $"directories.tokendir = {_dir["tokens"]}\nobjectstore.backend = file\nlog.level = ERROR\n");
        Environment = new Dictionary<string, string> { ["SOFTHSM2_CONF"] = _dir["softhsm2.conf"] };
        Util("--init-token", "--free", "--label", Label, "--pin", Pin, "--so-pin", "5678");
        Import("rsa", "k1", "01", "-t", "rsa", "-b", "2048");
        Import("ecdsa", "k2", "02", "-t", "ecdsa", "-b", "256");
    }

    /// <summary>SOFTHSM2_CONF, for every process that opens the module.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public string Directory => _dir.Path;
    public string RsaPublicKeyPath => _dir["rsa.pub"];
    public string EcdsaPublicKeyPath => _dir["ecdsa.pub"];

    private void Import(string name, string label, string id, params string[] keygen)
    {
        Tool.Ok(Tool.SshKeygen(["-q", "-N", "", "-C", name + "-comment", .. keygen, "-f", _dir[name]]), "ssh-keygen");
        // ssh-keygen -p -m PKCS8 rewrites the private key as a PKCS#8 PEM, which softhsm2-util imports.
        Tool.Ok(Tool.SshKeygen("-q", "-p", "-m", "PKCS8", "-N", "", "-f", _dir[name]), "ssh-keygen -p");
        Util("--import", _dir[name], "--token", Label, "--label", label, "--id", id, "--pin", Pin);
    }

    private void Util(params string[] args)
    {
        var r = Tool.Run("/usr/bin/softhsm2-util", args, env: new Dictionary<string, string>(Environment));
        Assert.True(r.ExitCode == 0, $"softhsm2-util {string.Join(' ', args)}: {r.Stderr}{r.Stdout}");
    }

    public void Dispose() => _dir.Dispose();
}
