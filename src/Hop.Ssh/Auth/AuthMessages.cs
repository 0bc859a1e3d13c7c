using Hop.Ssh.Wire;

namespace Hop.Ssh.Auth;

/// <summary>Message numbers of the authentication protocol (RFC 4252 §6, RFC 4256).</summary>
public static class AuthMessageNumbers
{
    public const byte Request = 50;
    public const byte Failure = 51;
    public const byte Success = 52;
    public const byte Banner = 53;

    /// <summary>SSH_MSG_USERAUTH_PK_OK, SSH_MSG_USERAUTH_PASSWD_CHANGEREQ and SSH_MSG_USERAUTH_INFO_REQUEST share 60.</summary>
    public const byte MethodSpecific60 = 60;
    public const byte InfoResponse = 61;
}

/// <summary>
/// SSH_MSG_USERAUTH_FAILURE (RFC 4252 §5.1): byte 51, name-list authentications that can continue, boolean partial success.
/// </summary>
public sealed record AuthFailureMessage(string[] CanContinue, bool PartialSuccess)
{
    public static AuthFailureMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var m = new AuthFailureMessage(r.ReadNameList(), r.ReadBoolean());
        r.EnsureEnd();
        return m;
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(AuthMessageNumbers.Failure);
        w.WriteNameList(CanContinue);
        w.WriteBoolean(PartialSuccess);
    }
}

/// <summary>SSH_MSG_USERAUTH_BANNER (RFC 4252 §5.4): byte 53, string message (UTF-8), string language tag.</summary>
public sealed record AuthBannerMessage(string Message)
{
    public static AuthBannerMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        // As long as the packet allows: sshd sends a Banner file of any size in one message.
        var m = new AuthBannerMessage(r.ReadUtf8(payload.Length));
        if (!r.IsAtEnd) r.ReadString(256);
        return m;
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(AuthMessageNumbers.Banner);
        w.WriteString(Message);
        w.WriteString("");
    }
}

/// <summary>
/// SSH_MSG_USERAUTH_PK_OK (RFC 4252 §7): byte 60, string public key algorithm name from the request, string public key blob from the request.
/// </summary>
public sealed record AuthPkOkMessage(string Algorithm, byte[] KeyBlob)
{
    public static AuthPkOkMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var m = new AuthPkOkMessage(r.ReadName(), r.ReadString(16 * 1024).ToArray());
        r.EnsureEnd();
        return m;
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(AuthMessageNumbers.MethodSpecific60);
        w.WriteString(Algorithm);
        w.WriteString(KeyBlob);
    }
}

/// <summary>
/// SSH_MSG_USERAUTH_PASSWD_CHANGEREQ (RFC 4252 §8), the server's answer to a password it takes but
/// wants changed:
/// <code>
/// byte      SSH_MSG_USERAUTH_PASSWD_CHANGEREQ (60)
/// string    prompt in ISO-10646 UTF-8 encoding
/// string    language tag
/// </code>
/// </summary>
public sealed record AuthPasswdChangeReqMessage(string Prompt, string Language)
{
    /// <summary>The longest prompt taken, in bytes; a longer one is a protocol error.</summary>
    public const int MaxPromptLength = 16 * 1024;

    /// <summary>The longest language tag taken, in bytes.</summary>
    public const int MaxLanguageLength = 256;

    public static AuthPasswdChangeReqMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        byte n = r.ReadByte();
        if (n != AuthMessageNumbers.MethodSpecific60) throw new SshProtocolException($"expected SSH_MSG_USERAUTH_PASSWD_CHANGEREQ, got message {n}");
        string prompt = r.ReadUtf8(MaxPromptLength);
        string language = r.ReadUtf8(MaxLanguageLength);
        r.EnsureEnd();
        return new AuthPasswdChangeReqMessage(prompt, language);
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(AuthMessageNumbers.MethodSpecific60);
        w.WriteString(Prompt);
        w.WriteString(Language);
    }
}

/// <summary>One prompt of a keyboard-interactive INFO_REQUEST.</summary>
public sealed record AuthPrompt(string Text, bool Echo);

/// <summary>
/// SSH_MSG_USERAUTH_INFO_REQUEST (RFC 4256 §3.2):
/// <code>
/// byte      SSH_MSG_USERAUTH_INFO_REQUEST (60)
/// string    name (ISO-10646 UTF-8)
/// string    instruction (ISO-10646 UTF-8)
/// string    language tag
/// int       num-prompts
/// string    prompt[1] (ISO-10646 UTF-8)
/// boolean   echo[1]
/// ...
/// </code>
/// </summary>
public sealed record AuthInfoRequestMessage(string Name, string Instruction, IReadOnlyList<AuthPrompt> Prompts)
{
    public const int MaxPrompts = 100;

    public static AuthInfoRequestMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        string name = r.ReadUtf8(4096);
        string instruction = r.ReadUtf8(16 * 1024);
        r.ReadString(256);
        uint n = r.ReadUInt32();
        if (n > MaxPrompts) throw new SshProtocolException($"keyboard-interactive request with {n} prompts");
        var prompts = new List<AuthPrompt>((int)n);
        for (int i = 0; i < n; i++) prompts.Add(new AuthPrompt(r.ReadUtf8(4096), r.ReadBoolean()));
        r.EnsureEnd();
        return new AuthInfoRequestMessage(name, instruction, prompts);
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(AuthMessageNumbers.MethodSpecific60);
        w.WriteString(Name);
        w.WriteString(Instruction);
        w.WriteString("");
        w.WriteUInt32((uint)Prompts.Count);
        foreach (var p in Prompts)
        {
            w.WriteString(p.Text);
            w.WriteBoolean(p.Echo);
        }
    }
}

/// <summary>SSH_MSG_USERAUTH_INFO_RESPONSE (RFC 4256 §3.4): byte 61, int num-responses, string response[...].</summary>
public static class AuthInfoResponseMessage
{
    public static void Write(ref SshWriter w, IReadOnlyList<string> responses)
    {
        w.WriteByte(AuthMessageNumbers.InfoResponse);
        w.WriteUInt32((uint)responses.Count);
        foreach (var s in responses) w.WriteString(s);
    }
}
