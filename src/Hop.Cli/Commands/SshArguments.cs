namespace Hop.Cli.Commands;

/// <summary>
/// `hop ssh`'s command line, parsed as OpenSSH's ssh parses it: options, the destination, more
/// options, then the remote command. Flags that ssh applies directly (-p, -l, -c, -m, ...) become
/// leading "-o" lines so that they win over -o and the config files (first value wins).
/// </summary>
internal sealed class SshArguments
{
    /// <summary>OpenSSH 9's getopt string for ssh.</summary>
    public const string OptionSpec = "1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:PQ:R:S:TVw:W:XYy";

    public string? Destination { get; private set; }
    public List<string> Command { get; } = [];
    public List<string> Options { get; } = [];
    public List<string> FlagOptions { get; } = [];
    public string? User { get; private set; }
    public int? Port { get; private set; }
    public string? ConfigFile { get; private set; }
    public string? Query { get; private set; }
    public string? LogFile { get; private set; }
    public int Verbose { get; private set; }
    public bool Quiet { get; private set; }
    public bool PrintConfig { get; private set; }
    public bool PrintVersion { get; private set; }
    public bool NoCommand { get; private set; }
    public bool StdinNull { get; private set; }
    public bool Background { get; private set; }
    public bool Subsystem { get; private set; }
    public int ForceTty { get; private set; }
    public bool DisableTty { get; private set; }
    public string? StdioForward { get; private set; }
    /// <summary>-O: the control command for a ControlMaster (check, forward, cancel, exit, stop, proxy).</summary>
    public string? ControlCommand { get; private set; }

    /// <summary>
    /// Set by `hop run`, whose many connections share one terminal: authentication asks only this
    /// (the password given once with -A, or nothing), and an unknown host key is never asked about.
    /// </summary>
    public Hop.Ssh.Auth.IAuthPrompter? UnattendedPrompter { get; set; }

    /// <summary>
    /// Which of -l, -o User and the destination's user@ came first: ssh keeps that one and ignores
    /// the others (they only fill a user not yet set), whatever the order of the kinds.
    /// </summary>
    public UserSource FirstUser { get; private set; }

    /// <summary>-o User=x, -o "User x": a line whose keyword is User.</summary>
    internal static bool IsUserOption(string line)
    {
        string keyword = line.TrimStart().Split([' ', '\t', '='], 2)[0];
        return keyword.Equals("User", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What ssh says and exits 255 for at once: a -c or -m list it does not know ("Unknown cipher type '...'").</summary>
    public string? FlagError { get; private set; }

    public static SshArguments Parse(string[] args)
    {
        var a = new SshArguments();
        var g = new GetOpt(OptionSpec, args);
        while (true)
        {
            while (g.Next(out char opt, out string? value)) a.Apply(opt, value);
            if (g.Index >= args.Length) break;
            if (a.Destination is null)
            {
                a.Destination = args[g.Index];
                if (a.FirstUser == UserSource.None && a.Destination.Contains('@', StringComparison.Ordinal)) a.FirstUser = UserSource.Destination;
                g.Reset(g.Index + 1);
                continue;
            }
            a.Command.AddRange(args[g.Index..]);
            break;
        }
        if (a.Destination is null && !a.PrintVersion && a.Query is null)
            throw new UsageException("no destination");
        if (a.Destination is not null && a.Destination.Length > 0 && a.Destination[0] == '-')
            throw new UsageException($"invalid destination {a.Destination}");
        // As ssh, before any config file is read: -s or -o SessionType=subsystem needs the subsystem's name.
        string? sessionType = a.Options.Select(o => Hop.Ssh.Config.CommandLineNames.OptionValue(o, "sessiontype")).FirstOrDefault(v => v is not null);
        if (a.Destination is not null && a.Command.Count == 0 && (a.Subsystem || string.Equals(sessionType, "subsystem", StringComparison.OrdinalIgnoreCase)))
            throw new UsageException("You must specify a subsystem to invoke.");
        // As ssh: a stdio forward is a session of its own, not something to ask a master with -O (-G too).
        if (a.ControlCommand is not null && a.StdioForward is not null) a.FlagError ??= "Cannot specify stdio forward with -O";
        return a;
    }

    private void Apply(char opt, string? v)
    {
        switch (opt)
        {
            case '4': Set("AddressFamily", "inet"); break;
            case '6': Set("AddressFamily", "inet6"); break;
            case 'A': Set("ForwardAgent", "yes"); break;
            case 'a': Set("ForwardAgent", "no"); break;
            case 'C': Set("Compression", "yes"); break;
            // -X leaves ForwardX11Trusted as configured; -Y sets it (ssh.c).
            case 'X': Set("ForwardX11", "yes"); break;
            case 'Y': Set("ForwardX11", "yes"); Set("ForwardX11Trusted", "yes"); break;
            case 'x': Set("ForwardX11", "no"); break;
            case 'g': Set("GatewayPorts", "yes"); break;
            case 'k': Set("GSSAPIDelegateCredentials", "no"); break;
            case 'K': Set("GSSAPIAuthentication", "yes"); break;
            case 'M': FlagOptions.Add("ControlMaster yes"); break;
            case 'T': DisableTty = true; break;
            case 't': ForceTty++; break;
            // These flags are also the config's SessionType, StdinNull and ForkAfterAuthentication (-G shows them).
            case 'N': NoCommand = true; FlagOptions.Add("SessionType none"); break;
            case 'n': StdinNull = true; FlagOptions.Add("StdinNull yes"); break;
            case 'f': Background = true; StdinNull = true; FlagOptions.Add("ForkAfterAuthentication yes"); FlagOptions.Add("StdinNull yes"); break;
            case 's': Subsystem = true; FlagOptions.Add("SessionType subsystem"); break;
            case 'q': Quiet = true; break;
            case 'v': Verbose = Math.Min(Verbose + 1, 3); break;
            case 'V': PrintVersion = true; break;
            case 'G': PrintConfig = true; break;
            case 'y': break;
            case 'P': break;
            case '1': throw new UsageException("SSH protocol v.1 is no longer supported");
            case '2': break;
            case 'b': Set("BindAddress", v!); break;
            case 'B': Set("BindInterface", v!); break;
            case 'c':
                FlagError ??= ValidFlagList(v!, HopAlgorithms.Defaults.Ciphers) ? null : $"Unknown cipher type '{v}'";
                Set("Ciphers", v!);
                break;
            case 'm':
                FlagError ??= ValidFlagList(v!, HopAlgorithms.Defaults.Macs) ? null : $"Unknown mac type '{v}'";
                Set("MACs", v!);
                break;
            case 'D': FlagOptions.Add($"DynamicForward {v}"); break;
            case 'L': FlagOptions.Add($"LocalForward {SplitForward(v!)}"); break;
            case 'R': FlagOptions.Add($"RemoteForward {SplitForward(v!)}"); break;
            case 'e': Set("EscapeChar", v!); break;
            case 'E': LogFile = v; break;
            case 'F': ConfigFile = v; break;
            case 'i': FlagOptions.Add($"IdentityFile \"{v}\""); break;
            case 'I': Set("PKCS11Provider", v!); break;
            case 'J': FlagOptions.Add($"ProxyJump {v}"); break;
            case 'l':
                // As ssh: the first -l counts, and only if no -o User or user@ came before it.
                User ??= v;
                if (FirstUser == UserSource.None) FirstUser = UserSource.Flag;
                break;
            case 'p':
                if (!int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
                    throw new UsageException($"Bad port '{v}'");
                Port = port;
                break;
            case 'o':
                Options.Add(v!);
                if (FirstUser == UserSource.None && IsUserOption(v!)) FirstUser = UserSource.Option;
                break;
            case 'O':
                if (ControlCommand is not null) FlagError ??= "Multiplexing command already specified";
                else if (v is "check" or "forward" or "cancel" or "exit" or "stop" or "proxy") ControlCommand = v;
                else FlagError ??= "Invalid multiplex command.";
                break;
            case 'Q': Query = v; break;
            case 'S': Set("ControlPath", v!); break;
            case 'w':
                // As ssh: -w asks for point-to-point unless a Tunnel mode came before it (an earlier -o,
                // or -w); its units win over any TunnelDevice, the last -w over earlier ones.
                if (!Hop.Ssh.Config.CommandLineNames.IsTunnelDevice(v!))
                {
                    FlagError ??= $"Bad tun device '{v}'";
                    break;
                }
                if (!FlagOptions.Concat(Options).Any(o => Hop.Ssh.Config.CommandLineNames.OptionValue(o, "tunnel") is not null))
                    FlagOptions.Add("Tunnel point-to-point");
                Set("TunnelDevice", v!);
                break;
            case 'W': StdioForward = v; FlagOptions.Add("ClearAllForwardings yes"); FlagOptions.Add("SessionType none"); NoCommand = true; break;
            default: throw new UsageException($"unknown option -- {opt}");
        }
    }

    /// <summary>ssh.c checks -c and -m itself: an optional leading + or ^, then names it knows ("-" lists are not taken).</summary>
    private static bool ValidFlagList(string value, Hop.Ssh.Config.AlgorithmCategory category)
    {
        string list = value.StartsWith('+') || value.StartsWith('^') ? value[1..] : value;
        return list.Length > 0 && !list.StartsWith('-') && Hop.Ssh.Config.AlgorithmList.Check(list, category) is null;
    }

    /// <summary>
    /// A flag that ssh stores straight into its options (-4/-6, -A/-a, -X/-x/-Y, -c, -m, ...): the last one given wins,
    /// and it wins over -o and the config files, so it replaces any earlier line of the same keyword.
    /// </summary>
    private void Set(string keyword, string value)
    {
        FlagOptions.RemoveAll(line => line.StartsWith(keyword + " ", StringComparison.OrdinalIgnoreCase));
        FlagOptions.Add($"{keyword} {value}");
    }

    /// <summary>-L and -R take "[bind:]port:host:hostport"; the config keyword takes "[bind:]port host:hostport".</summary>
    private static string SplitForward(string spec)
    {
        // Find the split between the listen part and the target: the target is the last "host:port"
        // (host may be a bracketed IPv6 address); a Unix socket path target has no port.
        int depth = 0;
        var colons = new List<int>();
        for (int i = 0; i < spec.Length; i++)
        {
            if (spec[i] == '[') depth++;
            else if (spec[i] == ']') depth--;
            else if (spec[i] == ':' && depth == 0) colons.Add(i);
        }
        if (colons.Count >= 2) return spec[..colons[^2]] + " " + spec[(colons[^2] + 1)..];
        if (colons.Count == 1) return spec[..colons[0]] + " " + spec[(colons[0] + 1)..];
        return spec;
    }

    /// <summary>
    /// Takes the config's forms of the session flags, as ssh does: SessionType none or subsystem (-N,
    /// -s), StdinNull (-n), ForkAfterAuthentication (-f, with stdin from /dev/null), and RemoteCommand
    /// (tokens expanded) as the command. A command on the command line and a RemoteCommand both, or
    /// -f with no command and no -N, are ssh's errors.
    /// </summary>
    public void ApplyConfig(Hop.Ssh.Config.ResolvedConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (c.SessionType == "none") NoCommand = true;
        else if (c.SessionType == "subsystem") Subsystem = true;
        if (c.StdinNull) StdinNull = true;
        if (c.ForkAfterAuthentication)
        {
            Background = true;
            StdinNull = true;
        }
        if (c.ExpandedRemoteCommand is { } remote)
        {
            if (Command.Count > 0) throw new Hop.Ssh.SshException("Cannot execute command-line and remote command.");
            Command.Add(remote);
        }
        if (Background && Command.Count == 0 && !NoCommand) throw new Hop.Ssh.SshException("Cannot fork into background without a command to execute.");
    }

    public const string Usage =
        "usage: hop ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n" +
        "           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]\n" +
        "           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]\n" +
        "           [-J destination] [-L address] [-l login_name] [-m mac_spec]\n" +
        "           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-Q query_option]\n" +
        "           [-R address] [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n" +
        "           destination [command [argument ...]]";
}

/// <summary>Where the user named on ssh's command line came from (see <see cref="SshArguments.FirstUser"/>).</summary>
internal enum UserSource { None, Flag, Option, Destination }
