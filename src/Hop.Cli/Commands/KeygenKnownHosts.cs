using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>`hop keygen -F host`, `-R host` and `-H` on known_hosts, with ssh-keygen's output and exit codes.</summary>
internal static partial class KeygenCommand
{
    private static int KnownHostsJob(Options o)
    {
        string path = o.File ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");
        return o.Mode switch
        {
            'F' => KnownHostsEditor.Find(path, o.KnownHost!, Console.Out, hash: false, error: Console.Error),
            'R' => KnownHostsEditor.Remove(path, o.KnownHost!, Console.Out, Console.Error),
            _ => KnownHostsEditor.Hash(path, Console.Out, Console.Error),
        };
    }
}
