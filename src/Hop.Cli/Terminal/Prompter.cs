using System.Diagnostics;
using System.Text;
using Hop.Ssh.Auth;

namespace Hop.Cli.Terminal;

/// <summary>
/// Asks the user, as OpenSSH does: on the controlling terminal without echo, or through the
/// program in SSH_ASKPASS when SSH_ASKPASS_REQUIRE says so or no terminal is there.
/// </summary>
internal sealed class Prompter : IAuthPrompter
{
    private readonly bool _quiet;

    public Prompter(bool quiet = false) => _quiet = quiet;

    public ValueTask<string?> ReadSecretAsync(string prompt, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ReadSecret(prompt, echo: false));

    public ValueTask<IReadOnlyList<string>?> ReadResponsesAsync(string name, string instruction, IReadOnlyList<AuthPrompt> prompts, CancellationToken cancellationToken)
    {
        // As ssh: the name and instruction logged (so also when askpass asks), the prompts escaped
        // as a terminal line, also for askpass.
        if (!_quiet)
        {
            if (name.Length > 0) Console.Error.WriteLine(UntrustedText.ForLog(name));
            if (instruction.Length > 0) Console.Error.WriteLine(UntrustedText.ForLog(instruction));
        }
        var answers = new List<string>();
        foreach (var p in prompts)
        {
            var a = ReadSecret(UntrustedText.ForTerminal(p.Text), p.Echo);
            if (a is null) return ValueTask.FromResult<IReadOnlyList<string>?>(null);
            answers.Add(a);
        }
        return ValueTask.FromResult<IReadOnlyList<string>?>(answers);
    }

    public void ShowBanner(string text)
    {
        if (!_quiet) Console.Error.Write(UntrustedText.ForTerminal(text));
    }

    /// <summary>Reads one answer; null when there is no way to ask or the user gave up.</summary>
    public static string? ReadSecret(string prompt, bool echo = false, string? askpassPromptHint = null)
    {
        if (UseAskpass()) return RunAskpass(prompt, askpassPromptHint);
        return ReadFromTty(prompt, echo);
    }

    /// <summary>OpenSSH's rule: SSH_ASKPASS_REQUIRE=force always, =never never, else when there is no terminal and a display.</summary>
    public static bool UseAskpass()
    {
        var askpass = Environment.GetEnvironmentVariable("SSH_ASKPASS");
        var require = Environment.GetEnvironmentVariable("SSH_ASKPASS_REQUIRE");
        if (require == "never") return false;
        if (string.IsNullOrEmpty(askpass)) return false;
        if (require is "force" or "prefer") return true;
        return HasDisplay() && !HasTty();
    }

    private static bool HasDisplay() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY"));

    private static bool HasTty()
    {
        try
        {
            using var f = new FileStream("/dev/tty", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// OpenSSH's ask_permission (ControlMaster ask): always through askpass (SSH_ASKPASS, else
    /// /usr/bin/ssh-askpass) with SSH_ASKPASS_PROMPT=confirm, and only with a display or
    /// SSH_ASKPASS_REQUIRE=force; an empty answer or "yes" allows, anything else (a failed or missing
    /// askpass too) refuses.
    /// </summary>
    public static bool AskPermission(string prompt)
    {
        string askpass = Environment.GetEnvironmentVariable("SSH_ASKPASS") is { Length: > 0 } program ? program : "/usr/bin/ssh-askpass";
        if (!HasDisplay() && Environment.GetEnvironmentVariable("SSH_ASKPASS_REQUIRE") != "force") return false;
        return RunAskpass(prompt, "confirm", askpass) is { } answer && (answer.Length == 0 || answer.Equals("yes", StringComparison.OrdinalIgnoreCase));
    }

    private static string? RunAskpass(string prompt, string? hint, string? program = null)
    {
        var psi = new ProcessStartInfo(program ?? Environment.GetEnvironmentVariable("SSH_ASKPASS")!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(prompt);
        if (hint is not null) psi.Environment["SSH_ASKPASS_PROMPT"] = hint;
        try
        {
            using var p = Process.Start(psi);
            if (p is null) return null;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) return null;
            int nl = output.IndexOf('\n', StringComparison.Ordinal);
            return (nl >= 0 ? output[..nl] : output).TrimEnd('\r');
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The most of a terminal line kept (bytes).</summary>
    private const int MaxLine = 4096;

    private static string? ReadFromTty(string prompt, bool echo)
    {
        if (ReadLineFromTty(prompt, echo, out _) is not { } chars) return null;
        var s = new string(chars);
        Array.Clear(chars);
        return s;
    }

    /// <summary>
    /// One line from the controlling terminal after writing <paramref name="prompt"/> to it, as
    /// OpenSSH's readpassphrase: echo off unless <paramref name="echo"/>, the line discipline's own
    /// editing, and the terminal put back even when a signal ends the process meanwhile. Null when
    /// there is no terminal (<paramref name="noTerminal"/>), or at its end with nothing typed. The
    /// caller zeroes the result.
    /// </summary>
    public static char[]? ReadLineFromTty(string prompt, bool echo, out bool noTerminal)
    {
        FileStream tty;
        try
        {
            tty = new FileStream("/dev/tty", FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            noTerminal = true;
            return null;
        }
        noTerminal = false;
        using (tty)
        {
            int fd = (int)tty.SafeFileHandle.DangerousGetHandle();
            var line = new List<byte>(MaxLine); // never grows, so no copy of a secret is left unzeroed
            // As readpassphrase: the echo goes off before the prompt shows, so nothing typed at it echoes.
            var echoOff = echo ? null : TerminalEcho.Off(fd);
            try
            {
                tty.Write(Encoding.UTF8.GetBytes(prompt));
                tty.Flush();
                var one = new byte[1];
                while (line.Count < MaxLine)
                {
                    int n = tty.Read(one, 0, 1);
                    if (n == 0 && line.Count == 0) return null;
                    if (n == 0 || one[0] == '\n' || one[0] == '\r') break;
                    line.Add(one[0]);
                }
                var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(line);
                var chars = new char[Encoding.UTF8.GetCharCount(bytes)];
                Encoding.UTF8.GetChars(bytes, chars);
                return chars;
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(line));
                if (echoOff is not null)
                {
                    echoOff.Dispose();
                    tty.Write("\n"u8);
                }
            }
        }
    }
}
