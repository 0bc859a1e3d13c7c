namespace Hop.Cli.Commands;

/// <summary>
/// The command lines of `hop sftp` and `hop scp` (OpenSSH 9's getopt strings). The options that
/// belong to ssh are turned into `hop ssh` arguments, so the connection is made exactly as
/// `hop ssh` makes it (config, -o, -F, -i, -J, known_hosts, agent).
/// </summary>
internal sealed class TransferArguments
{
    public const string SftpSpec = "1246AafhNpqrvCc:D:i:l:o:s:S:b:B:F:J:P:R:";
    public const string ScpSpec = "12346ABCTdfOpqRrstvc:D:F:J:i:l:o:P:S:X:";

    public List<string> SshArgs { get; } = [];
    public List<string> Operands { get; } = [];
    public string? BatchFile { get; private set; }
    public bool Recursive { get; private set; }
    public bool Preserve { get; private set; }
    public bool Quiet { get; private set; }
    public int Verbose { get; private set; }
    public int? Requests { get; private set; }
    public int? BufferSize { get; private set; }

    public static TransferArguments Parse(string spec, string[] args)
    {
        var t = new TransferArguments();
        var g = new GetOpt(spec, args);
        while (true)
        {
            while (g.Next(out char opt, out string? value)) t.Apply(opt, value, spec == ScpSpec);
            if (g.Index >= args.Length) break;
            t.Operands.Add(args[g.Index]);
            g.Reset(g.Index + 1);
        }
        return t;
    }

    private void Apply(char opt, string? v, bool scp)
    {
        switch (opt)
        {
            case '4' or '6' or 'A' or 'C': SshArgs.Add("-" + opt); break;
            case 'a' when !scp: break;
            case 'v': Verbose++; SshArgs.Add("-v"); break;
            case 'q': Quiet = true; SshArgs.Add("-q"); break;
            case 'r' or 'R' when scp || opt == 'r': Recursive = true; break;
            case 'p': Preserve = true; break;
            case 'c': SshArgs.AddRange(["-c", v!]); break;
            case 'F': SshArgs.AddRange(["-F", v!]); break;
            case 'i': SshArgs.AddRange(["-i", v!]); break;
            case 'J': SshArgs.AddRange(["-J", v!]); break;
            case 'o': SshArgs.AddRange(["-o", v!]); break;
            case 'P': SshArgs.AddRange(["-p", v!]); break;
            case 'b' when !scp: BatchFile = v; break;
            case 'B' when scp: SshArgs.AddRange(["-o", "BatchMode=yes"]); break;
            case 'B': BufferSize = PositiveInt(v!, "buffer size"); break;
            case 'R' when !scp: Requests = PositiveInt(v!, "number of requests"); break;
            case 'l' or 'D' or 'S' or 's' or 'X' or 'f' or 'N' or 'T' or 'O' or 'd' or 't' or '2' or '3': break;
            case '1': throw new UsageException("SSH protocol v.1 is no longer supported");
            case 'h': throw new UsageException("");
            default: throw new UsageException($"unknown option -- {opt}");
        }
    }

    private static int PositiveInt(string v, string what) =>
        int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new UsageException($"Invalid {what} \"{v}\"");

    /// <summary>The `hop ssh` arguments for <paramref name="destination"/>, parsed by ssh's own parser.</summary>
    public SshArguments SshFor(string destination)
    {
        var list = new List<string>(SshArgs) { "--", destination };
        // "--" is not needed by GetOpt when the destination does not start with '-'; keep ssh's rule.
        if (!destination.StartsWith('-')) list.RemoveAt(list.Count - 2);
        return SshArguments.Parse([.. list]);
    }
}
