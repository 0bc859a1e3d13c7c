using System.Globalization;

namespace Hop.Ssh.Config;

/// <summary>
/// Writes a resolved configuration in the format of <c>ssh -G</c> (OpenSSH 9.2's dump_client_config):
/// lower-case keywords, OpenSSH's value spellings (yes/no, or true/false for the multi-state options) and order,
/// limited to the keywords Hop supports.
/// </summary>
public static class ConfigDump
{
    /// <summary>The keywords this dump can print (compare only these with ssh -G).</summary>
    public static IReadOnlySet<string> Keywords { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "host", "user", "hostname", "port", "addressfamily", "batchmode", "checkhostip", "compression", "controlmaster",
        "clearallforwardings", "exitonforwardfailure", "forwardx11", "forwardx11trusted", "gatewayports", "hashknownhosts",
        "identitiesonly", "kbdinteractiveauthentication", "passwordauthentication", "permitlocalcommand", "pubkeyauthentication", "requesttty",
        "sessiontype", "stdinnull", "forkafterauthentication", "remotecommand", "tcpkeepalive", "tunnel", "tunneldevice", "connectionattempts", "requiredrsasize",
        "stricthostkeychecking", "visualhostkey", "updatehostkeys", "enableescapecommandline", "forwardx11timeout", "numberofpasswordprompts",
        "serveralivecountmax", "serveraliveinterval", "bindaddress", "bindinterface", "ipqos", "streamlocalbindmask", "streamlocalbindunlink", "ciphers", "controlpath", "hostkeyalgorithms",
        "hostkeyalias", "identityagent", "ignoreunknown", "kexalgorithms", "localcommand", "loglevel", "macs", "preferredauthentications",
        "pubkeyacceptedalgorithms", "xauthlocation", "revokedhostkeys", "dynamicforward", "localforward", "remoteforward", "identityfile",
        "certificatefile", "globalknownhostsfile", "userknownhostsfile", "sendenv", "setenv", "permitremoteopen", "addkeystoagent",
        "forwardagent", "connecttimeout", "controlpersist", "escapechar", "rekeylimit", "proxyjump", "proxycommand",
        "fingerprinthash", "nohostauthenticationforlocalhost", "knownhostscommand",
        "casignaturealgorithms", "kbdinteractivedevices", "proxyusefdpass", "pkcs11provider",
        "canonicalizefallbacklocal", "canonicalizehostname", "canonicalizemaxdots", "canonicaldomains", "canonicalizePermittedcnames",
    };

    public static void Write(TextWriter writer, ResolvedConfig config)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(config);
        var c = config;
        void W(string keyword, string value) => writer.Write($"{keyword} {value}\n");
        static string YesNo(bool b) => b ? "yes" : "no";
        static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

        W("host", c.OriginalHost);
        W("user", c.User);
        W("hostname", c.HostName);
        W("port", Num(c.Port));
        W("addressfamily", c.AddressFamily switch { AddressFamily.Inet => "inet", AddressFamily.Inet6 => "inet6", _ => "any" });
        W("batchmode", YesNo(c.BatchMode));
        W("canonicalizefallbacklocal", YesNo(c.CanonicalizeFallbackLocal));
        W("canonicalizehostname", c.CanonicalizeHostname switch { CanonicalizeHostname.Yes => "true", CanonicalizeHostname.Always => "always", _ => "false" });
        W("checkhostip", YesNo(c.CheckHostIP));
        W("compression", YesNo(c.Compression));
        W("controlmaster", c.ControlMaster);
        W("clearallforwardings", YesNo(c.ClearAllForwardings));
        W("exitonforwardfailure", YesNo(c.ExitOnForwardFailure));
        W("fingerprinthash", c.FingerprintHash.Name!);
        W("forwardx11", YesNo(c.ForwardX11));
        W("forwardx11trusted", YesNo(c.ForwardX11Trusted));
        W("gatewayports", YesNo(c.GatewayPorts));
        W("hashknownhosts", YesNo(c.HashKnownHosts));
        W("identitiesonly", YesNo(c.IdentitiesOnly));
        W("kbdinteractiveauthentication", YesNo(c.KbdInteractiveAuthentication));
        W("nohostauthenticationforlocalhost", YesNo(c.NoHostAuthenticationForLocalhost));
        W("passwordauthentication", YesNo(c.PasswordAuthentication));
        W("permitlocalcommand", YesNo(c.PermitLocalCommand));
        W("proxyusefdpass", YesNo(c.ProxyUseFdpass));
        W("pubkeyauthentication", c.PubkeyAuthenticationMode);
        W("requesttty", c.RequestTty switch { RequestTty.Yes => "true", RequestTty.No => "false", RequestTty.Force => "force", _ => "auto" });
        W("sessiontype", c.SessionType);
        W("stdinnull", YesNo(c.StdinNull));
        W("forkafterauthentication", YesNo(c.ForkAfterAuthentication));
        W("streamlocalbindunlink", YesNo(c.StreamLocalBindUnlink));
        W("stricthostkeychecking", c.StrictHostKeyChecking switch
        {
            StrictHostKeyChecking.Yes => "true",
            StrictHostKeyChecking.No => "false",
            StrictHostKeyChecking.AcceptNew => "accept-new",
            _ => "ask",
        });
        W("tcpkeepalive", YesNo(c.TcpKeepAlive));
        W("tunnel", c.Tunnel switch { Tunnel.PointToPoint => "point-to-point", Tunnel.Ethernet => "ethernet", _ => "false" });
        W("visualhostkey", YesNo(c.VisualHostKey));
        W("updatehostkeys", c.UpdateHostKeys switch { UpdateHostKeys.Yes => "true", UpdateHostKeys.Ask => "ask", _ => "false" });
        W("enableescapecommandline", YesNo(c.EnableEscapeCommandline));
        W("canonicalizemaxdots", Num(c.CanonicalizeMaxDots));
        W("connectionattempts", Num(c.ConnectionAttempts));
        W("forwardx11timeout", Num((long)c.ForwardX11Timeout.TotalSeconds));
        W("numberofpasswordprompts", Num(c.NumberOfPasswordPrompts));
        W("serveralivecountmax", Num(c.ServerAliveCountMax));
        W("serveraliveinterval", Num((long)c.ServerAliveInterval.TotalSeconds));
        W("requiredrsasize", Num(c.RequiredRsaSize));
        if (c.BindAddress is not null) W("bindaddress", c.BindAddress);
        if (c.BindInterface is not null) W("bindinterface", c.BindInterface);
        W("ciphers", string.Join(',', c.Ciphers));
        if (c.ControlPath is not null) W("controlpath", c.ControlPath);
        W("hostkeyalgorithms", string.Join(',', c.HostKeyAlgorithms));
        if (c.HostKeyAlias is not null) W("hostkeyalias", c.HostKeyAlias);
        if (c.IdentityAgent is not null) W("identityagent", c.IdentityAgent);
        if (c.IgnoreUnknown is not null) W("ignoreunknown", c.IgnoreUnknown);
        if (c.KbdInteractiveDevices is not null) W("kbdinteractivedevices", c.KbdInteractiveDevices);
        W("kexalgorithms", string.Join(',', c.KexAlgorithms));
        W("casignaturealgorithms", string.Join(',', c.CaSignatureAlgorithms));
        if (c.LocalCommand is not null) W("localcommand", c.LocalCommand);
        if (c.ExpandedRemoteCommand is { } remoteCommand) W("remotecommand", remoteCommand);
        W("loglevel", c.LogLevel);
        W("macs", string.Join(',', c.Macs));
        if (c.Pkcs11Provider is not null) W("pkcs11provider", c.Pkcs11Provider);
        if (c.PreferredAuthenticationsConfigured) W("preferredauthentications", string.Join(',', c.PreferredAuthentications));
        W("pubkeyacceptedalgorithms", string.Join(',', c.PubkeyAcceptedAlgorithms));
        if (c.RevokedHostKeysUnexpanded is { } revoked) W("revokedhostkeys", revoked);
        W("xauthlocation", c.XAuthLocation);
        if (c.KnownHostsCommand is not null) W("knownhostscommand", c.KnownHostsCommand);
        foreach (var f in c.DynamicForwards) W("dynamicforward", f.ListenText);
        foreach (var f in c.LocalForwards) W("localforward", f.ListenText + " " + f.ConnectText);
        foreach (var f in c.RemoteForwards) W("remoteforward", f.ListenText + " " + f.ConnectText);
        foreach (string f in c.IdentityFilesUnexpanded) W("identityfile", f);
        W("canonicaldomains", c.CanonicalDomains.Count == 0 ? "none" : string.Join(' ', c.CanonicalDomains));
        foreach (string f in c.CertificateFilesUnexpanded) W("certificatefile", f);
        W("globalknownhostsfile", string.Join(' ', c.GlobalKnownHostsFiles));
        W("userknownhostsfile", string.Join(' ', c.UserKnownHostsFiles));
        foreach (string e in c.SendEnv) W("sendenv", e);
        foreach (string e in c.SetEnv) W("setenv", e);
        W("permitremoteopen", c.PermitRemoteOpen.Text);
        W("addkeystoagent", AddKeys(c));
        W("forwardagent", c.ForwardAgentSocket ?? YesNo(c.ForwardAgent));
        W("connecttimeout", c.ConnectTimeout is TimeSpan t ? Num((long)t.TotalSeconds) : "none");
        W("tunneldevice", TunnelUnit(c.TunnelLocalUnit) + ":" + TunnelUnit(c.TunnelRemoteUnit));
        // ssh -G spells this one with a capital P.
        W("canonicalizePermittedcnames", c.CanonicalizePermittedCnames.Count == 0 ? "none" : string.Join(' ', c.CanonicalizePermittedCnames));
        W("controlpersist", c.ControlPersist is not { } persist ? "no" : persist == TimeSpan.Zero ? "yes" : Num((long)persist.TotalSeconds));
        W("escapechar", EscapeText(c.EscapeChar));
        W("ipqos", IpQos.Format(c.IpQosInteractive) + " " + IpQos.Format(c.IpQosBulk));
        W("rekeylimit", Num(c.RekeyLimitBytes) + " " + Num((long)c.RekeyLimitTime.TotalSeconds));
        W("streamlocalbindmask", "0" + Convert.ToString(c.StreamLocalBindMask, 8));
        if (c.ProxyJump is not null) W("proxyjump", ProxyJumpText(c.ProxyJump));
        else if (c.ProxyCommand is not null) W("proxycommand", c.ProxyCommand);
    }

    private static string TunnelUnit(int unit) =>
        unit == ConfigValueParser.TunnelUnitAny ? "any" : unit.ToString(CultureInfo.InvariantCulture);

    private static string AddKeys(ResolvedConfig c)
    {
        string mode = c.AddKeysToAgent switch { "yes" => "true", "no" => "false", string m => m };
        if (c.AddKeysToAgentLifetime is not TimeSpan life) return mode;
        string seconds = ((long)life.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return c.AddKeysToAgent == "confirm" ? "confirm " + seconds : seconds;
    }

    /// <summary>vis(3) with VIS_WHITE of one character, as ssh -G prints EscapeChar.</summary>
    private static string EscapeText(int c) => c switch
    {
        -1 => "none",
        '\\' => "\\\\",
        ' ' => "\\040",
        '\t' => "\\^I",
        0x7f => "\\^?",
        < 0x20 => "\\^" + (char)(c + 64),
        _ => ((char)c).ToString(),
    };

    /// <summary>ProxyJump as ssh -G reprints it: the last hop parsed, a numeric or IPv6 host in brackets.</summary>
    private static string ProxyJumpText(string value)
    {
        int comma = value.LastIndexOf(',');
        string extra = comma < 0 ? "" : value[..(comma + 1)];
        string last = comma < 0 ? value : value[(comma + 1)..];
        if (last.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase)) last = last[6..].TrimEnd('/');
        string? user = null;
        int at = last.LastIndexOf('@');
        if (at >= 0)
        {
            user = last[..at];
            last = last[(at + 1)..];
        }
        string host = last;
        string? port = null;
        if (last.StartsWith('[') && last.IndexOf(']', StringComparison.Ordinal) is int close and > 0)
        {
            host = last[1..close];
            if (close + 1 < last.Length && last[close + 1] == ':') port = last[(close + 2)..];
        }
        else if (last.IndexOf(':', StringComparison.Ordinal) is int colon and >= 0 && last.IndexOf(':', colon + 1) < 0)
        {
            host = last[..colon];
            port = last[(colon + 1)..];
        }
        bool numeric = host.Contains(':', StringComparison.Ordinal) || host.All(ch => char.IsAsciiDigit(ch) || ch == '.');
        return extra + (user is null ? "" : user + "@") + (numeric ? "[" + host + "]" : host) + (port is null ? "" : ":" + port);
    }
}
