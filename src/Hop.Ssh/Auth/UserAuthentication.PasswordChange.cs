using System.Security.Cryptography;
using System.Text;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Auth;

/// <summary>The password method's change request (RFC 4252 §8), answered as ssh 9.2 answers it.</summary>
public sealed partial class UserAuthentication
{
    /// <summary>
    /// Answers SSH_MSG_USERAUTH_PASSWD_CHANGEREQ: shows the server's prompt as a log line, asks for the
    /// old password and the new one twice (again while the two differ), and sends the password
    /// request with its change flag set. Returns the server's reply, or null when the user gave no
    /// new password (the end of the method). The change does not count against NumberOfPasswordPrompts.
    /// </summary>
    private async Task<(byte Number, byte[] Payload)?> ChangePasswordAsync(byte[] changeRequest, CancellationToken ct)
    {
        var request = AuthPasswdChangeReqMessage.Read(changeRequest);
        if (request.Prompt.Length > 0) Log(0, request.Prompt);
        var prompter = _options.Prompter!;
        // ssh's prompts keep at most 30 bytes of the user name and 128 of the host.
        string who = $"{ClipUtf8(_options.User, 30)}@{ClipUtf8(PromptHost, 128)}";
        byte[]? oldPassword = null;
        byte[]? newPassword = null;
        try
        {
            // No answer to the old password is an empty one, as in ssh; only the new one may end the method.
            oldPassword = Encoding.UTF8.GetBytes(await prompter.ReadSecretAsync($"Enter {who}'s old password: ", ct).ConfigureAwait(false) ?? "");
            while (newPassword is null)
            {
                string? first = await prompter.ReadSecretAsync($"Enter {who}'s new password: ", ct).ConfigureAwait(false);
                if (first is null) return null;
                byte[] candidate = Encoding.UTF8.GetBytes(first);
                byte[] retyped = Encoding.UTF8.GetBytes(await prompter.ReadSecretAsync($"Retype {who}'s new password: ", ct).ConfigureAwait(false) ?? "");
                if (CryptographicOperations.FixedTimeEquals(candidate, retyped))
                {
                    newPassword = candidate;
                }
                else
                {
                    CryptographicOperations.ZeroMemory(candidate);
                    Log(0, "Mismatch; try again, EOF to quit.");
                }
                CryptographicOperations.ZeroMemory(retyped);
            }
            byte[] oldBytes = oldPassword, newBytes = newPassword;
            return await SendRequestAsync("password", (ref SshWriter w) =>
            {
                w.WriteBoolean(true);
                w.WriteString(oldBytes);
                w.WriteString(newBytes);
            }, ct, secret: true).ConfigureAwait(false);
        }
        finally
        {
            if (oldPassword is not null) CryptographicOperations.ZeroMemory(oldPassword);
            if (newPassword is not null) CryptographicOperations.ZeroMemory(newPassword);
        }
    }

    /// <summary>The longest start of <paramref name="s"/> within <paramref name="maxBytes"/> UTF-8 bytes, whole characters only.</summary>
    internal static string ClipUtf8(string s, int maxBytes)
    {
        int bytes = 0, chars = 0;
        foreach (var rune in s.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > maxBytes) break;
            chars += rune.Utf16SequenceLength;
        }
        return s[..chars];
    }
}
