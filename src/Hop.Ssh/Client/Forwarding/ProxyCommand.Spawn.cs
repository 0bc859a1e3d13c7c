using System.Collections;
using System.Runtime.InteropServices;

namespace Hop.Ssh.Client.Forwarding;

/// <summary>posix_spawn of "$SHELL -c 'exec COMMAND'" with a given descriptor as the child's stdin and stdout.</summary>
public static partial class ProxyCommand
{
    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_init(nint actions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_adddup2(nint actions, int fd, int newFd);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_destroy(nint actions);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawn(int* pid, nint path, nint fileActions, nint attributes, nint* argv, nint* envp);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int waitpid(int pid, int* status, int options);

    /// <summary>Room for posix_spawn_file_actions_t: 80 bytes in glibc, a pointer on macOS.</summary>
    private const int FileActionsSize = 256;

    /// <summary>Starts the dialer with <paramref name="fd"/> as its stdin and stdout (stderr stays ours); returns its pid.</summary>
    private static unsafe int Spawn(string command, int fd)
    {
        var strings = new List<nint>();
        nint actions = Marshal.AllocHGlobal(FileActionsSize);
        try
        {
            nint Utf8(string value)
            {
                nint p = Marshal.StringToCoTaskMemUTF8(value);
                strings.Add(p);
                return p;
            }

            string[] argv = [Shell, "-c", "exec " + command];
            var environment = new List<string>();
            foreach (DictionaryEntry e in Environment.GetEnvironmentVariables()) environment.Add($"{e.Key}={e.Value}");
            nint* args = stackalloc nint[argv.Length + 1];
            for (int i = 0; i < argv.Length; i++) args[i] = Utf8(argv[i]);
            args[argv.Length] = 0;
            var env = new nint[environment.Count + 1];
            for (int i = 0; i < environment.Count; i++) env[i] = Utf8(environment[i]);

            if (posix_spawn_file_actions_init(actions) != 0) throw new SshConnectionException("cannot run proxy dialer command: posix_spawn_file_actions_init failed");
            try
            {
                // dup2 leaves the copies without close-on-exec; the original (close-on-exec) goes at exec.
                if (posix_spawn_file_actions_adddup2(actions, fd, 0) != 0 || posix_spawn_file_actions_adddup2(actions, fd, 1) != 0)
                    throw new SshConnectionException("cannot run proxy dialer command: posix_spawn_file_actions_adddup2 failed");
                int pid;
                int error;
                fixed (nint* envp = env) error = posix_spawn(&pid, args[0], actions, 0, args, envp);
                if (error != 0) throw new SshConnectionException($"cannot run proxy dialer command: {Marshal.GetPInvokeErrorMessage(error)}");
                return pid;
            }
            finally
            {
                posix_spawn_file_actions_destroy(actions);
            }
        }
        finally
        {
            foreach (nint p in strings) Marshal.FreeCoTaskMem(p);
            Marshal.FreeHGlobal(actions);
        }
    }

    /// <summary>Waits for the dialer to end (blocking); its status does not matter, as in ssh.</summary>
    private static unsafe void WaitForExit(int pid)
    {
        int status;
        while (waitpid(pid, &status, 0) < 0 && Marshal.GetLastPInvokeError() == 4)
        {
            // EINTR: wait on.
        }
    }
}
