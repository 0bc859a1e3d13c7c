using Hop.Ssh.Auth;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Auth;

/// <summary>
/// What a hostile server answers during user authentication, damaged (<see cref="Damage"/>): each
/// message reads, or fails with an <see cref="SshException"/>; never another exception.
/// </summary>
public class AuthMessageFuzzTests
{
    private const int Rounds = 1000;

    public static TheoryData<string> Messages() => ["failure", "banner", "pk-ok", "info-request"];

    [Theory]
    [MemberData(nameof(Messages))]
    public void DamagedRepliesGiveTheMessageOrAnSshException(string kind)
    {
        var rng = new Random(kind.Length * 7919 + 20261207);
        byte[] valid = Template(kind);
        Read(kind, valid);
        for (int i = 0; i < Rounds; i++)
        {
            byte[] damaged = Damage.Apply(valid, rng, keep: 1, fields: [1, 5]);
            var e = Record.Exception(() => Read(kind, damaged));
            Assert.True(e is null or SshException, $"{kind} {Convert.ToHexString(damaged)}: {e}");
        }
    }

    private static void Read(string kind, byte[] payload)
    {
        switch (kind)
        {
            case "failure": AuthFailureMessage.Read(payload); break;
            case "banner": AuthBannerMessage.Read(payload); break;
            case "pk-ok": AuthPkOkMessage.Read(payload); break;
            default: AuthInfoRequestMessage.Read(payload); break;
        }
    }

    private static byte[] Template(string kind)
    {
        using var b = new SshBuffer();
        var w = b.Writer;
        switch (kind)
        {
            case "failure": new AuthFailureMessage(["publickey", "keyboard-interactive"], false).Write(ref w); break;
            case "banner": new AuthBannerMessage("Welcome\n").Write(ref w); break;
            case "pk-ok": new AuthPkOkMessage("ssh-ed25519", new byte[51]).Write(ref w); break;
            default: new AuthInfoRequestMessage("name", "instruction", [new("Password: ", false), new("Code: ", true)]).Write(ref w); break;
        }
        return b.WrittenSpan.ToArray();
    }
}
