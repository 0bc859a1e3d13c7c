using System.Security.Cryptography;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Pkcs11;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop keygen -D provider`: the public keys of a PKCS#11 provider's tokens, one OpenSSH line each
/// with the key's label ("TYPE BASE64 LABEL"), or with -l their fingerprints, as ssh-keygen -D prints them.
/// </summary>
internal static class KeygenPkcs11
{
    public static int Download(string provider, bool fingerprints, HashAlgorithmName hash, bool verbose)
    {
        // ssh-keygen's errors are bare lines on stderr, its debug lines only with -v.
        void Log(int level, string message)
        {
            if (level == 0) Console.Error.WriteLine(message);
            else if (verbose && level == 1) Console.Error.WriteLine("debug1: " + message);
        }
        Pkcs11Provider p;
        try
        {
            p = Pkcs11Provider.Open(provider, interactive: true, Log);
        }
        catch (Pkcs11Exception e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("cannot read public key from pkcs11");
            return 255;
        }
        using (p)
        {
            if (p.Keys.Count == 0)
            {
                Console.Error.WriteLine("cannot read public key from pkcs11");
                return 255;
            }
            foreach (var key in p.Keys)
            {
                Console.Out.WriteLine(fingerprints
                    ? $"{key.PublicKey.KeySizeBits} {key.PublicKey.Fingerprint(hash)} {KeyFingerprint.TypeLabel(key.PublicKey)} (PKCS11 key)"
                    : key.PublicKey.ToOpenSshLine(key.Label.Length > 0 ? key.Label : null));
            }
        }
        return 0;
    }
}
