namespace Hop.Ssh.Config;

/// <summary>How Hop treats a keyword OpenSSH knows.</summary>
internal enum KeywordSupport
{
    /// <summary>Hop reads and acts on it; its value is checked as OpenSSH checks it.</summary>
    Supported,
    /// <summary>OpenSSH knows it but Hop does not act on it: kept raw and reported under -v.</summary>
    Unsupported,
    /// <summary>Deprecated or removed in OpenSSH: ignored, as OpenSSH does.</summary>
    Ignored,
    /// <summary>Host, Match, Include: handled by the reader.</summary>
    Structural,
}

/// <summary>The shape of a keyword's value, which decides how it is checked and stored.</summary>
internal enum ValueShape
{
    /// <summary>Anything; kept raw (unsupported keywords).</summary>
    Raw,
    /// <summary>yes/no/true/false.</summary>
    Flag,
    /// <summary>One of a fixed set of words (<see cref="KeywordInfo.States"/>).</summary>
    State,
    /// <summary>A non-negative decimal integer.</summary>
    Integer,
    /// <summary>A TCP port 1..65535.</summary>
    Port,
    /// <summary>A time interval (convtime): 30, 5m, 1h30m.</summary>
    Time,
    /// <summary>One string argument.</summary>
    Text,
    /// <summary>The rest of the line, raw (ProxyCommand, LocalCommand, RemoteCommand).</summary>
    Command,
    /// <summary>One or more arguments, first line wins (UserKnownHostsFile, GlobalKnownHostsFile).</summary>
    List,
    /// <summary>An algorithm list with optional +, - or ^ prefix.</summary>
    Algorithms,
    /// <summary>Each line adds one value (IdentityFile, CertificateFile), duplicates dropped.</summary>
    Accumulate,
    /// <summary>A port forwarding specification (Local/Remote/DynamicForward), accumulating.</summary>
    Forward,
    /// <summary>Keyword-specific checking (SendEnv, SetEnv, EscapeChar, RekeyLimit, AddKeysToAgent, ...).</summary>
    Special,
}

internal sealed record KeywordInfo(string Name, KeywordSupport Support, ValueShape Shape, string[]? States = null);

/// <summary>OpenSSH 9.x's client keywords (readconf.c), with the aliases it accepts.</summary>
internal static class ConfigKeywords
{
    private static readonly Dictionary<string, KeywordInfo> Table = Build();

    /// <summary>Looks a keyword up case-insensitively; null when OpenSSH does not know it.</summary>
    public static KeywordInfo? Find(string keyword) =>
        Table.TryGetValue(keyword.ToLowerInvariant(), out var info) ? info : null;

    private static Dictionary<string, KeywordInfo> Build()
    {
        var t = new Dictionary<string, KeywordInfo>(StringComparer.Ordinal);
        void S(string name, ValueShape shape, params string[] states) =>
            t[name] = new KeywordInfo(name, KeywordSupport.Supported, shape, states.Length > 0 ? states : null);
        void Alias(string alias, string target) => t[alias] = t[target];
        void U(params string[] names)
        {
            foreach (var n in names) t[n] = new KeywordInfo(n, KeywordSupport.Unsupported, ValueShape.Raw);
        }
        void I(params string[] names)
        {
            foreach (var n in names) t[n] = new KeywordInfo(n, KeywordSupport.Ignored, ValueShape.Raw);
        }

        foreach (var n in new[] { "host", "match", "include" })
            t[n] = new KeywordInfo(n, KeywordSupport.Structural, ValueShape.Raw);

        S("hostname", ValueShape.Text);
        S("port", ValueShape.Port);
        S("user", ValueShape.Text);
        S("identityfile", ValueShape.Accumulate);
        Alias("identityfile2", "identityfile");
        S("certificatefile", ValueShape.Accumulate);
        S("identitiesonly", ValueShape.Flag);
        S("identityagent", ValueShape.Text);
        S("batchmode", ValueShape.Flag);
        S("connecttimeout", ValueShape.Time);
        S("connectionattempts", ValueShape.Integer);
        S("requiredrsasize", ValueShape.Integer);
        S("tcpkeepalive", ValueShape.Flag);
        Alias("keepalive", "tcpkeepalive");
        S("kexalgorithms", ValueShape.Algorithms);
        S("ciphers", ValueShape.Algorithms);
        S("macs", ValueShape.Algorithms);
        S("hostkeyalgorithms", ValueShape.Algorithms);
        S("pubkeyacceptedalgorithms", ValueShape.Algorithms);
        S("casignaturealgorithms", ValueShape.Algorithms);
        Alias("pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms");
        S("preferredauthentications", ValueShape.Text);
        S("passwordauthentication", ValueShape.Flag);
        S("kbdinteractiveauthentication", ValueShape.Flag);
        S("kbdinteractivedevices", ValueShape.Text);
        Alias("challengeresponseauthentication", "kbdinteractiveauthentication");
        Alias("skeyauthentication", "kbdinteractiveauthentication");
        Alias("tisauthentication", "kbdinteractiveauthentication");
        S("pubkeyauthentication", ValueShape.State, "yes", "true", "no", "false", "unbound", "host-bound");
        Alias("dsaauthentication", "pubkeyauthentication");
        S("stricthostkeychecking", ValueShape.State, "yes", "true", "no", "false", "off", "ask", "accept-new");
        S("userknownhostsfile", ValueShape.List);
        S("globalknownhostsfile", ValueShape.List);
        S("hashknownhosts", ValueShape.Flag);
        S("hostkeyalias", ValueShape.Text);
        S("checkhostip", ValueShape.Flag);
        S("serveraliveinterval", ValueShape.Time);
        S("serveralivecountmax", ValueShape.Integer);
        S("rekeylimit", ValueShape.Special);
        S("sendenv", ValueShape.Special);
        S("setenv", ValueShape.Special);
        S("loglevel", ValueShape.State, "quiet", "fatal", "error", "info", "verbose", "debug", "debug1", "debug2", "debug3");
        S("requesttty", ValueShape.State, "yes", "true", "no", "false", "force", "auto");
        S("forwardagent", ValueShape.Text);
        S("forwardx11", ValueShape.Flag);
        S("forwardx11trusted", ValueShape.Flag);
        S("forwardx11timeout", ValueShape.Time);
        S("xauthlocation", ValueShape.Text);
        S("revokedhostkeys", ValueShape.Text);
        S("localforward", ValueShape.Forward);
        S("remoteforward", ValueShape.Forward);
        S("dynamicforward", ValueShape.Forward);
        S("clearallforwardings", ValueShape.Flag);
        S("gatewayports", ValueShape.Flag);
        S("exitonforwardfailure", ValueShape.Flag);
        S("proxyjump", ValueShape.Text);
        S("proxycommand", ValueShape.Command);
        S("proxyusefdpass", ValueShape.Flag);
        S("localcommand", ValueShape.Command);
        S("remotecommand", ValueShape.Command);
        S("sessiontype", ValueShape.State, "none", "subsystem", "default");
        S("stdinnull", ValueShape.Flag);
        S("forkafterauthentication", ValueShape.Flag);
        S("permitlocalcommand", ValueShape.Flag);
        S("permitremoteopen", ValueShape.Special);
        S("addkeystoagent", ValueShape.Special);
        S("escapechar", ValueShape.Special);
        S("enableescapecommandline", ValueShape.Flag);
        S("compression", ValueShape.Flag);
        S("addressfamily", ValueShape.State, "any", "inet", "inet6");
        S("bindaddress", ValueShape.Text);
        S("bindinterface", ValueShape.Text);
        S("ipqos", ValueShape.Special);
        S("streamlocalbindmask", ValueShape.Special);
        S("streamlocalbindunlink", ValueShape.Flag);
        S("visualhostkey", ValueShape.Flag);
        S("updatehostkeys", ValueShape.State, "yes", "true", "no", "false", "ask");
        S("controlmaster", ValueShape.State, "yes", "true", "no", "false", "auto", "ask", "autoask");
        S("controlpath", ValueShape.Text);
        S("controlpersist", ValueShape.Special);
        S("numberofpasswordprompts", ValueShape.Integer);
        S("ignoreunknown", ValueShape.Text);
        S("fingerprinthash", ValueShape.Special);
        S("nohostauthenticationforlocalhost", ValueShape.Flag);
        S("knownhostscommand", ValueShape.Command);
        S("canonicalizehostname", ValueShape.State, "yes", "true", "no", "false", "always");
        S("canonicaldomains", ValueShape.Special);
        S("canonicalizefallbacklocal", ValueShape.Flag);
        S("canonicalizemaxdots", ValueShape.Integer);
        S("canonicalizepermittedcnames", ValueShape.Special);
        S("pkcs11provider", ValueShape.Text);
        Alias("smartcarddevice", "pkcs11provider");
        S("tunnel", ValueShape.State, "ethernet", "point-to-point", "true", "yes", "false", "no");
        S("tunneldevice", ValueShape.Special);

        U("enablesshkeysign",
          "gssapiauthentication", "gssapiclientidentity", "gssapidelegatecredentials",
          "gssapikexalgorithms", "gssapikeyexchange", "gssapirenewalforcesrekey", "gssapiserveridentity",
          "gssapitrustdns", "hostbasedacceptedalgorithms", "hostbasedkeytypes", "hostbasedauthentication",
          "logverbose",
          "securitykeyprovider",
          "syslogfacility", "verifyhostkeydns");
        I("afstokenpassing", "cipher", "compressionlevel", "fallbacktorsh", "globalknownhostsfile2",
          "kerberosauthentication", "kerberostgtpassing", "protocol", "rhostsauthentication",
          "rhostsrsaauthentication", "rsaauthentication", "useblacklistedkeys", "useprivilegedport",
          "useroaming", "usersh", "userknownhostsfile2", "gssapiclientidentity2");
        return t;
    }
}
