using System.Diagnostics;
using System.Text;

namespace Hop.Ssh.Agent;

/// <summary>
/// Runs the SSH_ASKPASS program as OpenSSH's read_passphrase does: allowed when DISPLAY or
/// WAYLAND_DISPLAY is set, or when SSH_ASKPASS_REQUIRE=force; SSH_ASKPASS_REQUIRE=never forbids it.
/// The prompt is the program's argument; SSH_ASKPASS_PROMPT=confirm marks a yes/no question.
/// </summary>
public static class Askpass
{
    /// <summary>Where OpenSSH looks when SSH_ASKPASS is not set.</summary>
    public const string DefaultPath = "/usr/bin/ssh-askpass";

    /// <summary>SSH_ASKPASS_REQUIRE's value, lower-cased, or "" when unset.</summary>
    public static string Require => (Environment.GetEnvironmentVariable("SSH_ASKPASS_REQUIRE") ?? "").ToLowerInvariant();

    /// <summary>Whether an askpass program may be run at all.</summary>
    public static bool IsAllowed
    {
        get
        {
            string req = Require;
            if (req == "never") return false;
            if (req == "force") return true;
            return !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY"))
                || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY"));
        }
    }

    /// <summary>The program to run: SSH_ASKPASS, or OpenSSH's default path.</summary>
    public static string ProgramPath
    {
        get
        {
            string? p = Environment.GetEnvironmentVariable("SSH_ASKPASS");
            return string.IsNullOrEmpty(p) ? DefaultPath : p;
        }
    }

    /// <summary>
    /// Runs askpass with <paramref name="prompt"/> and returns its first output line, or null when
    /// it is not allowed, cannot start, exits non-zero or takes longer than <paramref name="timeout"/>.
    /// The caller owns the returned characters (clear them after use).
    /// </summary>
    public static async Task<char[]?> AskAsync(string prompt, bool confirm, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!IsAllowed) return null;
        var psi = new ProcessStartInfo(ProgramPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(prompt);
        if (confirm) psi.Environment["SSH_ASKPASS_PROMPT"] = "confirm";
        Process? process;
        try
        {
            process = Process.Start(psi);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        if (process is null) return null;
        using (process)
        {
            process.StandardInput.Close();
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(timeout);
            try
            {
                var buffer = new char[1024];
                int total = 0;
                while (total < buffer.Length)
                {
                    int n = await process.StandardOutput.ReadAsync(buffer.AsMemory(total), cts.Token).ConfigureAwait(false);
                    if (n == 0) break;
                    total += n;
                }
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                if (process.ExitCode != 0)
                {
                    Array.Clear(buffer);
                    return null;
                }
                int end = buffer.AsSpan(0, total).IndexOfAny('\r', '\n');
                if (end < 0) end = total;
                var result = buffer.AsSpan(0, end).ToArray();
                Array.Clear(buffer);
                return result;
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(true); } catch (InvalidOperationException) { }
                return null;
            }
        }
    }
}

/// <summary>Asks the user to allow one use of a key added with the confirm constraint.</summary>
public interface IAgentConfirmation
{
    Task<bool> ConfirmAsync(string prompt, CancellationToken cancellationToken);
}

/// <summary>
/// Asks through SSH_ASKPASS with SSH_ASKPASS_PROMPT=confirm, as ssh-agent does: an empty answer or
/// "yes" with exit status 0 allows; anything else, or no askpass, refuses.
/// </summary>
public sealed class AskpassConfirmation : IAgentConfirmation
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    public async Task<bool> ConfirmAsync(string prompt, CancellationToken cancellationToken)
    {
        char[]? answer = await Askpass.AskAsync(prompt, confirm: true, Timeout, cancellationToken).ConfigureAwait(false);
        if (answer is null) return false;
        var s = answer.AsSpan().Trim();
        return s.IsEmpty || s.Equals("yes", StringComparison.OrdinalIgnoreCase);
    }
}
