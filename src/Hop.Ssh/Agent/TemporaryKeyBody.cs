// Placeholder until the keys branch lands: same signatures as Hop.Ssh.Keys.Formats.OpenSshPrivateKeyBody.
using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys.Formats;

public static class OpenSshPrivateKeyBody
{
    public static SshPrivateKey Read(ref SshReader r) => throw new SshKeyFormatException("private key bodies are not supported yet");

    public static void Write(ref SshWriter w, SshPrivateKey key) => throw new SshKeyFormatException("private key bodies are not supported yet");
}
