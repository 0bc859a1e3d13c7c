using System.Net;
using System.Net.Sockets;
using Sockets = System.Net.Sockets;

namespace Hop.Ssh.Config;

/// <summary>What the system resolver said of a name: its canonical name (ai_canonname; may be empty) or, when it did not resolve, why.</summary>
public sealed record HostLookup(string? CanonicalName, string? Error)
{
    public bool Found => Error is null;

    /// <summary>getaddrinfo through .NET's resolver (with AI_CANONNAME), for the given AddressFamily.</summary>
    public static HostLookup System(string name, AddressFamily family)
    {
        ArgumentNullException.ThrowIfNull(name);
        var hint = family switch
        {
            AddressFamily.Inet => Sockets.AddressFamily.InterNetwork,
            AddressFamily.Inet6 => Sockets.AddressFamily.InterNetworkV6,
            _ => Sockets.AddressFamily.Unspecified,
        };
        try
        {
            return new HostLookup(Dns.GetHostEntry(name, hint).HostName ?? "", null);
        }
        catch (SocketException e)
        {
            return new HostLookup(null, e.Message);
        }
        catch (ArgumentException e)
        {
            return new HostLookup(null, e.Message);
        }
    }
}

/// <summary>The canonicalization options as the first pass obtained them, with OpenSSH's defaults.</summary>
internal sealed record CanonicalizeSettings(
    CanonicalizeHostname Mode, IReadOnlyList<string> Domains, bool FallbackLocal, int MaxDots, IReadOnlyList<PermittedCname> PermittedCnames)
{
    public static CanonicalizeSettings From(ConfigStore store) => new(
        (store.First("canonicalizehostname")?.ToLowerInvariant()) switch
        {
            "yes" or "true" => CanonicalizeHostname.Yes,
            "always" => CanonicalizeHostname.Always,
            _ => CanonicalizeHostname.No,
        },
        store.All("canonicaldomains") is [var domains, ..] ? CanonicalDomainList.Parse(domains.Arguments) : [],
        store.First("canonicalizefallbacklocal") is string fallback ? ConfigValueParser.Flag(fallback) ?? true : true,
        store.First("canonicalizemaxdots") is string dots ? ConfigValueParser.StrToNum(dots, out _) : 1,
        store.All("canonicalizepermittedcnames") is [var cnames, ..] ? Config.PermittedCnames.Parse(cnames.Arguments) : []);
}

/// <summary>
/// Host name canonicalization between the two passes over the configuration, as ssh does it (resolve_canonicalize,
/// then the CNAME rules for a name that was not canonicalized): each CanonicalDomains suffix is tried with the system
/// resolver and the first that resolves becomes the host name; CanonicalizePermittedCNAMEs may then swap it for its
/// CNAME target.
/// </summary>
internal static class HostCanonicalizer
{
    /// <summary>
    /// Canonicalizes <paramref name="host"/> (HostName already substituted and lower-cased) with the options of the first
    /// pass; true when the configuration must be read again for it (CanonicalizeHostname yes or always).
    /// </summary>
    /// <exception cref="SshConnectionException">No suffix resolved and CanonicalizeFallbackLocal is no; or a name to follow CNAMEs for did not resolve.</exception>
    public static bool Apply(ConfigStore store, ResolveOptions options, ref string host)
    {
        var settings = CanonicalizeSettings.From(store);
        bool direct = store.First("proxycommand") is not string command || string.Equals(command, "none", StringComparison.OrdinalIgnoreCase);
        direct &= store.First("proxyjump") is null;
        var family = (store.First("addressfamily")?.ToLowerInvariant()) switch
        {
            "inet" => AddressFamily.Inet,
            "inet6" => AddressFamily.Inet6,
            _ => AddressFamily.Any,
        };
        bool resolved = Canonicalize(settings, options, direct, family, ref host);

        // CNAMEs may be followed for a name that was not canonicalized: the plain name through the resolver's own search.
        if (!resolved && settings.PermittedCnames.Count > 0 && (direct || settings.Mode == CanonicalizeHostname.Always))
        {
            var lookup = options.LookupHost(host, family);
            if (!lookup.Found)
            {
                string message = $"Could not resolve hostname {host}: {lookup.Error}";
                if (direct) throw new SshConnectionException(message);
                options.Log?.Invoke(1, "hop: " + message);
            }
            else
            {
                FollowCname(settings, options, direct, ref host, lookup.CanonicalName ?? "");
            }
        }

        if (settings.Mode == CanonicalizeHostname.No) return false;
        options.Log?.Invoke(1, "hostname canonicalisation enabled, will re-parse configuration");
        return true;
    }

    /// <summary>resolve_canonicalize: true when the name was resolved (an address, or a suffix that resolved).</summary>
    private static bool Canonicalize(CanonicalizeSettings settings, ResolveOptions options, bool direct, AddressFamily family, ref string host)
    {
        if (IPAddress.TryParse(host, out _))
        {
            options.Log?.Invoke(2, $"resolve_canonicalize: hostname {host} is address");
            return true;
        }
        if (LooksLikeAddress(host))
        {
            options.Log?.Invoke(1, $"resolve_canonicalize: hostname {host} is an unrecognised address");
            return false;
        }
        if (settings.Mode == CanonicalizeHostname.No) return false;
        // A name that a proxy or jump host will resolve is left alone unless "always".
        if (!direct && settings.Mode != CanonicalizeHostname.Always) return false;

        if (host.EndsWith('.'))
        {
            options.Log?.Invoke(3, "resolve_canonicalize: name is fully qualified");
            var lookup = options.LookupHost(host, family);
            if (lookup.Found) return Found(settings, options, direct, ref host, host, lookup);
            LogNotResolved(options, host, lookup);
        }
        else
        {
            int dots = host.Count(c => c == '.');
            if (dots > settings.MaxDots)
            {
                options.Log?.Invoke(3, $"resolve_canonicalize: not canonicalizing hostname \"{host}\" (max dots {settings.MaxDots})");
                return false;
            }
            foreach (string domain in settings.Domains)
            {
                string full = $"{host}.{domain}.";
                options.Log?.Invoke(3, $"resolve_canonicalize: attempting \"{host}\" => \"{full}\"");
                var lookup = options.LookupHost(full, family);
                if (lookup.Found) return Found(settings, options, direct, ref host, full, lookup);
                LogNotResolved(options, full, lookup);
            }
        }
        if (!settings.FallbackLocal) throw new SshConnectionException($"Could not resolve host \"{host}\"");
        options.Log?.Invoke(2, $"resolve_canonicalize: host {host} not found in any suffix");
        return false;
    }

    private static bool Found(CanonicalizeSettings settings, ResolveOptions options, bool direct, ref string host, string full, HostLookup lookup)
    {
        string name = full[..^1];
        if (!FollowCname(settings, options, direct, ref name, lookup.CanonicalName ?? ""))
            options.Log?.Invoke(1, $"Canonicalized hostname \"{host}\" => \"{name}\"");
        host = name;
        return true;
    }

    /// <summary>check_follow_cname: replaces the name by its CNAME target when a CanonicalizePermittedCNAMEs rule allows it.</summary>
    private static bool FollowCname(CanonicalizeSettings settings, ResolveOptions options, bool direct, ref string name, string cname)
    {
        if (cname.Length == 0 || settings.PermittedCnames.Count == 0 || name == cname) return false;
        if (settings.Mode == CanonicalizeHostname.No) return false;
        if (!direct && settings.Mode != CanonicalizeHostname.Always) return false;
        options.Log?.Invoke(3, $"check_follow_cname: check \"{name}\" CNAME \"{cname}\"");
        foreach (var rule in settings.PermittedCnames)
        {
            if (SshPattern.MatchList(name.ToLowerInvariant(), rule.SourceDomains) != 1 ||
                SshPattern.MatchList(cname.ToLowerInvariant(), rule.TargetDomains) != 1)
                continue;
            options.Log?.Invoke(1, $"Canonicalized DNS aliased hostname \"{name}\" => \"{cname}\"");
            name = cname;
            return true;
        }
        return false;
    }

    private static void LogNotResolved(ResolveOptions options, string name, HostLookup lookup) =>
        options.Log?.Invoke(1, $"hop: Could not resolve hostname {name}: {lookup.Error}");

    /// <summary>is_addr_fast: a scope, a colon, or nothing but digits and dots: an address, even when it does not parse as one.</summary>
    private static bool LooksLikeAddress(string name) =>
        name.Contains('%', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal) || name.All(c => char.IsAsciiDigit(c) || c == '.');
}
