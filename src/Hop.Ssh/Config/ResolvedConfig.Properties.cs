namespace Hop.Ssh.Config;

public sealed partial class ResolvedConfig
{
    /// <summary>OpenSSH's identity files when none is configured (fill_default_options), unexpanded.</summary>
    public static IReadOnlyList<string> DefaultIdentityFiles { get; } =
        ["~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss", "~/.ssh/id_dsa"];

    /// <summary>OpenSSH's default PreferredAuthentications.</summary>
    public static IReadOnlyList<string> DefaultPreferredAuthentications { get; } =
        ["gssapi-with-mic", "hostbased", "publickey", "keyboard-interactive", "password"];

    /// <summary>The host as given on the command line (%n).</summary>
    public string OriginalHost { get; }
    /// <summary>The host to connect to: HostName with %h substituted, lower-cased (%h).</summary>
    public string HostName { get; }
    public int Port { get; }
    /// <summary>The remote user (%r): -l, user@, User, or the local user.</summary>
    public string User { get; }
    public string? HostKeyAlias { get; }

    /// <summary>RevokedHostKeys as written (ssh -G prints it); null when unset or "none".</summary>
    public string? RevokedHostKeysUnexpanded { get; private set; }
    /// <summary>RevokedHostKeys expanded (~, %tokens, ${ENV}): a key revocation list or a file of public keys.</summary>
    public string? RevokedHostKeys => RevokedHostKeysUnexpanded is { } path ? ExpandPath(path) : null;

    /// <summary>IdentityFile values as written (ssh -G prints these), or the defaults when none is set.</summary>
    public IReadOnlyList<string> IdentityFilesUnexpanded { get; private set; } = [];
    /// <summary>IdentityFile paths, expanded; "none" entries dropped.</summary>
    public IReadOnlyList<string> IdentityFiles { get; private set; } = [];
    /// <summary>True when IdentityFile came from the configuration (not the defaults).</summary>
    public bool IdentityFilesConfigured { get; private set; }
    public IReadOnlyList<string> CertificateFilesUnexpanded { get; private set; } = [];
    public IReadOnlyList<string> CertificateFiles { get; private set; } = [];
    public bool IdentitiesOnly { get; private set; }
    /// <summary>PKCS11Provider (-I): the PKCS#11 library whose token keys are offered, as written; null when unset or "none".</summary>
    public string? Pkcs11Provider { get; private set; }
    /// <summary>IdentityAgent expanded; "none" and "SSH_AUTH_SOCK" kept literally; null when unset.</summary>
    public string? IdentityAgent { get; private set; }
    public bool BatchMode { get; private set; }
    /// <summary>ConnectTimeout; null for none (the system's TCP timeout).</summary>
    public TimeSpan? ConnectTimeout { get; private set; }

    public IReadOnlyList<string> KexAlgorithms { get; private set; } = [];

    /// <summary>CASignatureAlgorithms: what a CA may have signed a host certificate with.</summary>
    public IReadOnlyList<string> CaSignatureAlgorithms { get; private set; } = [];
    public IReadOnlyList<string> Ciphers { get; private set; } = [];
    public IReadOnlyList<string> Macs { get; private set; } = [];
    public IReadOnlyList<string> HostKeyAlgorithms { get; private set; } = [];
    /// <summary>True when HostKeyAlgorithms is the default list: OpenSSH then puts the key types already known for the host first.</summary>
    public bool HostKeyAlgorithmsIsDefault { get; private set; }
    public IReadOnlyList<string> PubkeyAcceptedAlgorithms { get; private set; } = [];

    public IReadOnlyList<string> PreferredAuthentications { get; private set; } = [];
    /// <summary>True when PreferredAuthentications was set (ssh -G prints it only then).</summary>
    public bool PreferredAuthenticationsConfigured { get; private set; }
    public bool PasswordAuthentication { get; private set; }
    public bool KbdInteractiveAuthentication { get; private set; }

    /// <summary>KbdInteractiveDevices: the submethods asked for in keyboard-interactive requests; null when not set.</summary>
    public string? KbdInteractiveDevices { get; private set; }
    public bool PubkeyAuthentication { get; private set; }
    /// <summary>PubkeyAuthentication as ssh -G prints it: true, false, unbound or host-bound.</summary>
    public string PubkeyAuthenticationMode { get; private set; } = "true";

    public StrictHostKeyChecking StrictHostKeyChecking { get; private set; }
    /// <summary>UserKnownHostsFile, expanded (default ~/.ssh/known_hosts ~/.ssh/known_hosts2).</summary>
    public IReadOnlyList<string> UserKnownHostsFiles { get; private set; } = [];
    public IReadOnlyList<string> GlobalKnownHostsFiles { get; private set; } = [];
    public bool HashKnownHosts { get; private set; }
    public bool CheckHostIP { get; private set; }
    public bool VisualHostKey { get; private set; }
    public UpdateHostKeys UpdateHostKeys { get; private set; }
    /// <summary>FingerprintHash: the digest of every key fingerprint ssh shows (SHA256; MD5, SHA1, SHA384, SHA512 accepted).</summary>
    public System.Security.Cryptography.HashAlgorithmName FingerprintHash { get; private set; } = System.Security.Cryptography.HashAlgorithmName.SHA256;
    /// <summary>NoHostAuthenticationForLocalhost: a direct connection to a loopback address skips the host key check (no).</summary>
    public bool NoHostAuthenticationForLocalhost { get; private set; }
    /// <summary>KnownHostsCommand as written (tokens unexpanded; split and expanded when run); null when unset or "none".</summary>
    public string? KnownHostsCommand { get; private set; }

    /// <summary>ServerAliveInterval; zero when off.</summary>
    public TimeSpan ServerAliveInterval { get; private set; }
    public int ServerAliveCountMax { get; private set; }
    /// <summary>RekeyLimit data amount in bytes; 0 for the cipher's default.</summary>
    public long RekeyLimitBytes { get; private set; }
    /// <summary>RekeyLimit time; zero for none.</summary>
    public TimeSpan RekeyLimitTime { get; private set; }

    /// <summary>RequiredRSASize: the fewest bits an RSA host or user key may have (1024, as in OpenSSH 9.2).</summary>
    public int RequiredRsaSize { get; private set; } = 1024;
    /// <summary>ConnectionAttempts: rounds of connecting, a second apart (1).</summary>
    public int ConnectionAttempts { get; private set; } = 1;
    /// <summary>TCPKeepAlive (alias KeepAlive): SO_KEEPALIVE on the connection (yes).</summary>
    public bool TcpKeepAlive { get; private set; } = true;
    /// <summary>Tunnel (and -w): the tun/tap device forwarding asked for (no).</summary>
    public Tunnel Tunnel { get; private set; }
    /// <summary>TunnelDevice's local unit (-w's first part); <see cref="ConfigValueParser.TunnelUnitAny"/> for any (the default).</summary>
    public int TunnelLocalUnit { get; private set; } = ConfigValueParser.TunnelUnitAny;
    /// <summary>TunnelDevice's remote unit; <see cref="ConfigValueParser.TunnelUnitAny"/> for any (the default).</summary>
    public int TunnelRemoteUnit { get; private set; } = ConfigValueParser.TunnelUnitAny;

    /// <summary>SendEnv patterns, in order.</summary>
    public IReadOnlyList<string> SendEnv { get; private set; } = [];
    /// <summary>SetEnv "NAME=value" pairs, in order.</summary>
    public IReadOnlyList<string> SetEnv { get; private set; } = [];
    /// <summary>PermitRemoteOpen: where a remote dynamic forward may connect.</summary>
    public PermitRemoteOpen PermitRemoteOpen { get; private set; } = PermitRemoteOpen.Any;
    /// <summary>LogLevel as ssh -G prints it: QUIET, FATAL, ERROR, INFO, VERBOSE, DEBUG, DEBUG1, DEBUG2, DEBUG3.</summary>
    public string LogLevel { get; private set; } = "INFO";
    public RequestTty RequestTty { get; private set; }

    public bool ForwardAgent { get; private set; }
    /// <summary>When ForwardAgent names a socket (path or $VAR) instead of yes/no: that socket, expanded.</summary>
    public string? ForwardAgentSocket { get; private set; }
    public bool ForwardX11 { get; private set; }
    public bool ForwardX11Trusted { get; private set; }

    /// <summary>
    /// ForwardX11Trusted when nothing sets it: upstream OpenSSH says no (-X is untrusted); Debian and
    /// its derivatives patch their ssh to say yes. Hop follows the ssh the user has beside it.
    /// </summary>
    private static readonly Lazy<bool> ForwardX11TrustedDefault = new(() => File.Exists("/etc/debian_version"));
    public TimeSpan ForwardX11Timeout { get; private set; }
    public string XAuthLocation { get; private set; } = "/usr/bin/xauth";
    public IReadOnlyList<ForwardSpec> LocalForwards { get; private set; } = [];
    public IReadOnlyList<ForwardSpec> RemoteForwards { get; private set; } = [];
    public IReadOnlyList<ForwardSpec> DynamicForwards { get; private set; } = [];
    public bool ClearAllForwardings { get; private set; }
    public bool GatewayPorts { get; private set; }
    public bool ExitOnForwardFailure { get; private set; }

    /// <summary>ProxyJump as written; null when unset or "none".</summary>
    public string? ProxyJump { get; private set; }
    /// <summary>LocalCommand as written (tokens unexpanded, see <see cref="ExpandedLocalCommand"/>); null when unset or "none".</summary>
    public string? LocalCommand { get; private set; }

    /// <summary>RemoteCommand as written (tokens unexpanded, see <see cref="ExpandedRemoteCommand"/>); null when unset or "none".</summary>
    public string? RemoteCommand { get; private set; }

    /// <summary>SessionType: "default" (a shell or command), "none" (as -N) or "subsystem" (as -s).</summary>
    public string SessionType { get; private set; } = "default";

    /// <summary>StdinNull (as -n): stdin is /dev/null.</summary>
    public bool StdinNull { get; private set; }

    /// <summary>ForkAfterAuthentication (as -f): to the background once authenticated, stdin then /dev/null (not shown in <see cref="StdinNull"/>, as ssh -G does not).</summary>
    public bool ForkAfterAuthentication { get; private set; }

    /// <summary>PermitLocalCommand: whether LocalCommand (and the ~! escape) may run.</summary>
    public bool PermitLocalCommand { get; private set; }

    /// <summary>ProxyUseFdpass: the ProxyCommand passes a connected socket back instead of carrying the connection.</summary>
    public bool ProxyUseFdpass { get; private set; }

    /// <summary>ProxyCommand as written (tokens unexpanded, see <see cref="ExpandedProxyCommand"/>); null when unset or "none".</summary>
    public string? ProxyCommand { get; private set; }

    /// <summary>AddKeysToAgent: yes, no, ask or confirm.</summary>
    public string AddKeysToAgent { get; private set; } = "no";
    /// <summary>The lifetime given to AddKeysToAgent, if any.</summary>
    public TimeSpan? AddKeysToAgentLifetime { get; private set; }
    /// <summary>EscapeChar as a character code; -1 for none.</summary>
    public int EscapeChar { get; private set; } = '~';
    /// <summary>EnableEscapeCommandline: whether "~C" opens the command line (off by default, as in OpenSSH 9.2).</summary>
    public bool EnableEscapeCommandline { get; private set; }
    public bool Compression { get; private set; }
    public AddressFamily AddressFamily { get; private set; }
    public string? BindAddress { get; private set; }
    /// <summary>BindInterface: the outgoing connection is bound to an address of this interface (unless BindAddress is set).</summary>
    public string? BindInterface { get; private set; }
    /// <summary>IPQoS for interactive sessions (tty or X11): the IP_TOS/IPV6_TCLASS byte, or <see cref="Config.IpQos.None"/>. This ssh's default is lowdelay.</summary>
    public int IpQosInteractive { get; private set; } = 0x10;
    /// <summary>IPQoS for everything else; this ssh's default is throughput.</summary>
    public int IpQosBulk { get; private set; } = 0x08;
    /// <summary>StreamLocalBindMask: the umask for the Unix sockets ssh listens on for forwards (0177).</summary>
    public int StreamLocalBindMask { get; private set; } = 0x7f;
    /// <summary>StreamLocalBindUnlink: remove an existing file at a forward's socket path before listening (no).</summary>
    public bool StreamLocalBindUnlink { get; private set; }
    /// <summary>ControlMaster as ssh -G prints it: true, false, auto, ask, autoask.</summary>
    public string ControlMaster { get; private set; } = "false";
    /// <summary>ControlPath expanded; null when unset or "none".</summary>
    public string? ControlPath { get; private set; }
    /// <summary>ControlPersist: null for no, <see cref="TimeSpan.Zero"/> for yes (until told to exit), else the idle time a master stays for.</summary>
    public TimeSpan? ControlPersist { get; private set; }
    public int NumberOfPasswordPrompts { get; private set; }
    public string? IgnoreUnknown { get; private set; }

    /// <summary>CanonicalizeHostname (default no).</summary>
    public CanonicalizeHostname CanonicalizeHostname { get; private set; }
    /// <summary>CanonicalDomains: the suffixes tried, lower case (none by default).</summary>
    public IReadOnlyList<string> CanonicalDomains { get; private set; } = [];
    /// <summary>CanonicalizeFallbackLocal (default yes): a name no suffix resolves is kept rather than refused.</summary>
    public bool CanonicalizeFallbackLocal { get; private set; }
    /// <summary>CanonicalizeMaxDots (default 1): names with more dots are not canonicalized.</summary>
    public int CanonicalizeMaxDots { get; private set; }
    /// <summary>CanonicalizePermittedCNAMEs rules (none by default).</summary>
    public IReadOnlyList<PermittedCname> CanonicalizePermittedCnames { get; private set; } = [];

    private void Resolve()
    {
        var ids = Entries("identityfile").Select(e => e.Value).ToList();
        IdentityFilesConfigured = ids.Count > 0;
        IdentityFilesUnexpanded = ids.Count > 0 ? ids : DefaultIdentityFiles;
        IdentityFiles = IdentityFilesUnexpanded.Where(f => !string.Equals(f, "none", StringComparison.OrdinalIgnoreCase)).Select(ExpandPath).ToList();
        CertificateFilesUnexpanded = Entries("certificatefile").Select(e => e.Value).ToList();
        CertificateFiles = CertificateFilesUnexpanded.Where(f => !string.Equals(f, "none", StringComparison.OrdinalIgnoreCase)).Select(ExpandPath).ToList();
        IdentitiesOnly = Flag("identitiesonly", false);
        Pkcs11Provider = Raw("pkcs11provider") is string pkcs11 && pkcs11 != "none" ? pkcs11 : null;
        IdentityAgent = Raw("identityagent") is string agent ? ExpandPath(agent) : null;
        BatchMode = Flag("batchmode", false);
        ConnectTimeout = Raw("connecttimeout") is string ct && ct != "none" ? TimeSpan.FromSeconds(ConfigValueParser.Time(ct)) : null;

        var algs = _options.Algorithms;
        KexAlgorithms = Algorithms("kexalgorithms", algs.Kex);
        Ciphers = Algorithms("ciphers", algs.Ciphers);
        Macs = Algorithms("macs", algs.Macs);
        HostKeyAlgorithms = Algorithms("hostkeyalgorithms", algs.HostKey);
        HostKeyAlgorithmsIsDefault = Raw("hostkeyalgorithms") is null;
        PubkeyAcceptedAlgorithms = Algorithms("pubkeyacceptedalgorithms", algs.PubkeyAccepted);
        CaSignatureAlgorithms = Algorithms("casignaturealgorithms", algs.CaSignature);

        PreferredAuthenticationsConfigured = Raw("preferredauthentications") is not null;
        PreferredAuthentications = Raw("preferredauthentications") is string pa ? pa.Split(',') : DefaultPreferredAuthentications;
        PasswordAuthentication = Flag("passwordauthentication", true);
        KbdInteractiveAuthentication = Flag("kbdinteractiveauthentication", true);
        KbdInteractiveDevices = Raw("kbdinteractivedevices");
        PubkeyAuthenticationMode = (Raw("pubkeyauthentication")?.ToLowerInvariant()) switch
        {
            null or "yes" or "true" => "true",
            "no" or "false" => "false",
            string other => other,
        };
        PubkeyAuthentication = PubkeyAuthenticationMode != "false";

        StrictHostKeyChecking = (Raw("stricthostkeychecking")?.ToLowerInvariant()) switch
        {
            "yes" or "true" => StrictHostKeyChecking.Yes,
            "no" or "false" or "off" => StrictHostKeyChecking.No,
            "accept-new" => StrictHostKeyChecking.AcceptNew,
            _ => StrictHostKeyChecking.Ask,
        };
        var userFiles = Entries("userknownhostsfile") is { Count: > 0 } uk ? uk[0].Arguments : ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"];
        UserKnownHostsFiles = userFiles.Where(f => f != "none").Select(ExpandPath).ToList();
        GlobalKnownHostsFiles = Entries("globalknownhostsfile") is { Count: > 0 } gk
            ? gk[0].Arguments.Where(f => f != "none").ToList()
            : ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];
        HashKnownHosts = Flag("hashknownhosts", false);
        CheckHostIP = Flag("checkhostip", false);
        VisualHostKey = Flag("visualhostkey", false);
        FingerprintHash = Raw("fingerprinthash") is string fh ? ConfigValueParser.FingerprintHash(fh) ?? FingerprintHash : FingerprintHash;
        NoHostAuthenticationForLocalhost = Flag("nohostauthenticationforlocalhost", false);
        KnownHostsCommand = Raw("knownhostscommand") is string khc && khc.Length > 0 && !string.Equals(khc, "none", StringComparison.OrdinalIgnoreCase) ? khc : null;
        UpdateHostKeys = (Raw("updatehostkeys")?.ToLowerInvariant()) switch
        {
            "yes" or "true" => UpdateHostKeys.Yes,
            "no" or "false" => UpdateHostKeys.No,
            "ask" => UpdateHostKeys.Ask,
            // OpenSSH turns it on by default only while the user keeps the default UserKnownHostsFile.
            _ => DefaultUpdateHostKeys(),
        };

        // BatchMode turns keepalives on (300 s) unless ServerAliveInterval is set.
        ServerAliveInterval = Time("serveraliveinterval", BatchMode ? 300 : 0);
        ServerAliveCountMax = Integer("serveralivecountmax", 3);
        ConnectionAttempts = Integer("connectionattempts", 1);
        RequiredRsaSize = Integer("requiredrsasize", 1024);
        TcpKeepAlive = Flag("tcpkeepalive", true);
        Tunnel = (Raw("tunnel")?.ToLowerInvariant()) switch
        {
            "yes" or "true" or "point-to-point" => Tunnel.PointToPoint,
            "ethernet" => Tunnel.Ethernet,
            _ => Tunnel.No,
        };
        if (Raw("tunneldevice") is string td && ConfigValueParser.TunnelDevice(td) is var (tunLocal, tunRemote))
        {
            TunnelLocalUnit = tunLocal;
            TunnelRemoteUnit = tunRemote;
        }
        if (Entries("rekeylimit") is { Count: > 0 } rk)
        {
            var a = rk[0].Arguments;
            RekeyLimitBytes = a[0] == "default" ? 0 : ConfigValueParser.Size(a[0]);
            RekeyLimitTime = a.Count > 1 && a[1] is not ("default" or "none") ? TimeSpan.FromSeconds(ConfigValueParser.Time(a[1])) : TimeSpan.Zero;
        }
        SendEnv = Entries("sendenv").Select(e => e.Value).ToList();
        SetEnv = Entries("setenv").Select(e => e.Value).ToList();
        PermitRemoteOpen = Entries("permitremoteopen") is { Count: > 0 } pro ? PermitRemoteOpen.Parse(pro[0].Arguments) : PermitRemoteOpen.Any;
        // ssh -G prints the first name of the level in log.c's table: QUIET is SILENT, DEBUG1 is DEBUG.
        LogLevel = (Raw("loglevel")?.ToUpperInvariant()) switch
        {
            null => "INFO",
            "QUIET" => "SILENT",
            "DEBUG1" => "DEBUG",
            string level => level,
        };
        RequestTty = (Raw("requesttty")?.ToLowerInvariant()) switch
        {
            "yes" or "true" => RequestTty.Yes,
            "no" or "false" => RequestTty.No,
            "force" => RequestTty.Force,
            _ => RequestTty.Auto,
        };

        string? fa = Raw("forwardagent");
        if (fa is null || ConfigValueParser.Flag(fa) is bool)
        {
            ForwardAgent = fa is not null && ConfigValueParser.Flag(fa) == true;
        }
        else
        {
            ForwardAgent = true;
            ForwardAgentSocket = ExpandPath(fa);
        }
        ForwardX11 = Flag("forwardx11", false);
        ForwardX11Trusted = Flag("forwardx11trusted", ForwardX11TrustedDefault.Value);
        ForwardX11Timeout = Time("forwardx11timeout", 1200);
        XAuthLocation = Raw("xauthlocation") ?? "/usr/bin/xauth";
        RevokedHostKeysUnexpanded = Raw("revokedhostkeys") is string revoked && !string.Equals(revoked, "none", StringComparison.OrdinalIgnoreCase) ? revoked : null;
        ClearAllForwardings = Flag("clearallforwardings", false);
        LocalForwards = ClearAllForwardings ? [] : Forwards("localforward");
        RemoteForwards = ClearAllForwardings ? [] : Forwards("remoteforward");
        DynamicForwards = ClearAllForwardings ? [] : Forwards("dynamicforward");
        GatewayPorts = Flag("gatewayports", false);
        ExitOnForwardFailure = Flag("exitonforwardfailure", false);

        ProxyJump = Raw("proxyjump") is string pj && !string.Equals(pj, "none", StringComparison.OrdinalIgnoreCase) ? pj : null;
        ProxyCommand = Raw("proxycommand") is string pc && pc != "none" ? pc : null;
        LocalCommand = Raw("localcommand") is string lc && lc != "none" ? lc : null;
        PermitLocalCommand = Flag("permitlocalcommand", false);
        ProxyUseFdpass = Flag("proxyusefdpass", false);
        RemoteCommand = Raw("remotecommand") is string rc && rc.Length > 0 && !string.Equals(rc, "none", StringComparison.OrdinalIgnoreCase) ? rc : null;
        SessionType = Raw("sessiontype")?.ToLowerInvariant() ?? "default";
        ForkAfterAuthentication = Flag("forkafterauthentication", false);
        StdinNull = Flag("stdinnull", false);

        if (Entries("addkeystoagent") is { Count: > 0 } ak && ConfigValueParser.AddKeysToAgent(ak[0].Arguments, out string mode, out long life))
        {
            AddKeysToAgent = mode;
            AddKeysToAgentLifetime = life > 0 ? TimeSpan.FromSeconds(life) : null;
        }
        EscapeChar = Raw("escapechar") is string ec ? ConfigValueParser.EscapeChar(ec) ?? '~' : '~';
        EnableEscapeCommandline = Flag("enableescapecommandline", false);
        Compression = Flag("compression", false);
        AddressFamily = (Raw("addressfamily")?.ToLowerInvariant()) switch
        {
            "inet" => AddressFamily.Inet,
            "inet6" => AddressFamily.Inet6,
            _ => AddressFamily.Any,
        };
        BindAddress = Raw("bindaddress");
        BindInterface = Raw("bindinterface");
        // Debian's ssh 9.2 keeps the old defaults (lowdelay for interactive sessions, throughput for the rest);
        // upstream's are af21 and cs1. One value serves both.
        if (Entries("ipqos") is { Count: > 0 } qos)
        {
            IpQosInteractive = Config.IpQos.Parse(qos[0].Arguments[0]) ?? IpQosInteractive;
            IpQosBulk = qos[0].Arguments.Count > 1 ? Config.IpQos.Parse(qos[0].Arguments[1]) ?? IpQosBulk : IpQosInteractive;
        }
        StreamLocalBindMask = Raw("streamlocalbindmask") is string mask ? ConfigValueParser.Mask(mask) : 0x7f;
        StreamLocalBindUnlink = Flag("streamlocalbindunlink", false);
        ControlMaster = (Raw("controlmaster")?.ToLowerInvariant()) switch
        {
            null or "no" or "false" => "false",
            "yes" or "true" => "true",
            string other => other,
        };
        ControlPath = Raw("controlpath") is string cp && cp != "none" ? ExpandPath(cp) : null;
        ControlPersist = Raw("controlpersist") is not string persist ? null
            : ConfigValueParser.Flag(persist) is { } on ? (on ? TimeSpan.Zero : null)
            : TimeSpan.FromSeconds(Math.Max(0, ConfigValueParser.Time(persist)));
        NumberOfPasswordPrompts = Integer("numberofpasswordprompts", 3);
        IgnoreUnknown = Raw("ignoreunknown");
        var canonical = CanonicalizeSettings.From(_store);
        CanonicalizeHostname = canonical.Mode;
        CanonicalDomains = canonical.Domains;
        CanonicalizeFallbackLocal = canonical.FallbackLocal;
        CanonicalizeMaxDots = canonical.MaxDots;
        CanonicalizePermittedCnames = canonical.PermittedCnames;
    }

    /// <summary>OpenSSH enables UpdateHostKeys by default only with the default UserKnownHostsFile and no VerifyHostKeyDNS.</summary>
    private UpdateHostKeys DefaultUpdateHostKeys()
    {
        bool dns = Raw("verifyhostkeydns") is string v && v.ToLowerInvariant() is "yes" or "true" or "ask";
        var files = Entries("userknownhostsfile");
        bool defaultFile = files.Count == 0 || (files[0].Arguments.Count == 1 && files[0].Value == "~/.ssh/known_hosts");
        return !dns && defaultFile ? UpdateHostKeys.Yes : UpdateHostKeys.No;
    }

    private List<ForwardSpec> Forwards(string keyword)
    {
        var kind = ConfigStore.KindOf(keyword);
        var result = new List<ForwardSpec>();
        foreach (var e in Entries(keyword))
        {
            var spec = ForwardSpec.Parse(kind, e.Arguments)!;
            spec = spec with
            {
                ListenPath = spec.ListenPath is null ? null : TokenExpander.ExpandPercent(spec.ListenPath, Tokens),
                ConnectPath = spec.ConnectPath is null ? null : TokenExpander.ExpandPercent(spec.ConnectPath, Tokens),
            };
            result.Add(spec);
        }
        return result;
    }
}
