using System.Security.Cryptography;
using System.Text;

namespace Hop.Ssh.Keys;

/// <summary>
/// The "visual host key" of ssh-keygen -lv and key generation (OpenSSH sshkey.c, after Loss, Limasset
/// and Schwenk's "drunken bishop"): the digest's bit pairs walk a bishop over a 17×9 board from its
/// centre; each square shows how often it was visited; S marks the start, E the end.
/// </summary>
public static class Randomart
{
    private const int Width = 17;
    private const int Height = 9;
    private const string Symbols = " .o+=*BOX@%&#/^SE";

    /// <summary>Renders the picture of <paramref name="key"/>'s fingerprint digest, framed as ssh-keygen frames it.</summary>
    public static string Render(SshPublicKey key, HashAlgorithmName? hash = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var h = hash ?? HashAlgorithmName.SHA256;
        byte[] digest = KeyFingerprint.Digest(key.Blob, h);
        string title = $"[{KeyFingerprint.TypeLabel(key)} {key.KeySizeBits}]";
        if (title.Length > Width) title = $"[{KeyFingerprint.TypeLabel(key)}]";
        return Render(digest, title, $"[{h.Name}]");
    }

    /// <summary>Renders a digest with the given top and bottom labels.</summary>
    public static string Render(ReadOnlySpan<byte> digest, string title, string hashLabel)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(hashLabel);
        int last = Symbols.Length - 1;
        var field = new int[Width, Height];
        int x = Width / 2, y = Height / 2;
        foreach (byte b in digest)
        {
            int input = b;
            for (int i = 0; i < 4; i++)
            {
                x += (input & 1) != 0 ? 1 : -1;
                y += (input & 2) != 0 ? 1 : -1;
                x = Math.Clamp(x, 0, Width - 1);
                y = Math.Clamp(y, 0, Height - 1);
                if (field[x, y] < last - 2) field[x, y]++;
                input >>= 2;
            }
        }
        field[Width / 2, Height / 2] = last - 1;
        field[x, y] = last;

        var sb = new StringBuilder();
        Border(sb, title);
        sb.Append('\n');
        for (int row = 0; row < Height; row++)
        {
            sb.Append('|');
            for (int col = 0; col < Width; col++) sb.Append(Symbols[Math.Min(field[col, row], last)]);
            sb.Append("|\n");
        }
        Border(sb, hashLabel);
        return sb.ToString();
    }

    private static void Border(StringBuilder sb, string label)
    {
        if (label.Length > Width) label = label[..Width];
        sb.Append('+');
        int lead = (Width - label.Length) / 2;
        sb.Append('-', lead).Append(label).Append('-', Width - lead - label.Length);
        sb.Append('+');
    }
}
