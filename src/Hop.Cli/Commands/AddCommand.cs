using System.Security.Cryptography;
using Hop.Ssh;
using Hop.Ssh.Agent;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop add`: OpenSSH's ssh-add. Adds keys of any format Hop reads (.ppk included), lists (-l, -L),
/// deletes (-d, -D), locks (-x, -X) and tests (-T) the agent's keys, with ssh-add's messages and
/// exit codes: 2 when no agent can be reached, 1 on failure.
/// </summary>
internal static class AddCommand
{
    internal sealed class Options
    {
        public bool Confirm;
        public bool Delete;
        public bool DeleteAll;
        public char List;
        public char Lock;
        public bool Quiet;
        public bool Test;
        public int Verbose;
        public long? LifetimeSeconds;

        /// <summary>-t as the agent's lifetime constraint; null without -t.</summary>
        public TimeSpan? Lifetime => LifetimeSeconds is long s ? TimeSpan.FromSeconds(s) : null;

        public string? Pkcs11Provider;
        public HashAlgorithmName Hash = HashAlgorithmName.SHA256;
        public string[] Files = [];
    }

    public static async Task<int> RunAsync(string[] args)
    {
        // ssh-add connects before it parses options.
        string? address = AgentTransport.DefaultAddress;
        if (address is null)
        {
            Console.Error.WriteLine("Could not open a connection to your authentication agent.");
            return 2;
        }
        Options o;
        try
        {
            o = Parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine(e.Message);
            PrintUsage();
            return 1;
        }
        catch (AgentArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        AgentClient client;
        try
        {
            client = await AgentClient.OpenAsync(address).ConfigureAwait(false);
        }
        catch (SshConnectionException e)
        {
            Console.Error.WriteLine("Error connecting to agent: " + e.Message);
            return 2;
        }
        await using (client.ConfigureAwait(false))
        {
            try
            {
                return await DispatchAsync(client, o).ConfigureAwait(false);
            }
            catch (SshException e)
            {
                Console.Error.WriteLine("hop: " + e.Message);
                if (o.Verbose > 0) Console.Error.WriteLine(e);
                return 1;
            }
        }
    }

    internal static Options Parse(string[] args)
    {
        var o = new Options();
        var g = new GetOpt("vkKlLcdDTxXE:e:h:H:M:m:qs:S:t:", args);
        while (g.Next(out char opt, out string? arg))
        {
            switch (opt)
            {
                case 'v': o.Verbose++; break;
                case 'l' or 'L':
                    if (o.List != 0) throw new AgentArgumentException($"-{o.List} flag already specified");
                    o.List = opt;
                    break;
                case 'x' or 'X':
                    if (o.Lock != 0) throw new AgentArgumentException($"-{o.Lock} flag already specified");
                    o.Lock = opt;
                    break;
                case 'c': o.Confirm = true; break;
                case 'd': o.Delete = true; break;
                case 'D': o.DeleteAll = true; break;
                case 'q': o.Quiet = true; break;
                case 'T': o.Test = true; break;
                case 'E':
                    o.Hash = arg switch
                    {
                        "md5" => HashAlgorithmName.MD5,
                        "sha256" => HashAlgorithmName.SHA256,
                        _ => throw new AgentArgumentException($"Invalid hash algorithm \"{arg}\""),
                    };
                    break;
                case 't':
                    o.LifetimeSeconds = AgentTime.ParseSeconds(arg!) is long s and <= uint.MaxValue ? s : throw new AgentArgumentException("Invalid lifetime");
                    break;
                case 's':
                    o.Pkcs11Provider = arg;
                    break;
                case 'e':
                    // As ssh-add, -e is -d for a provider: a later -s still removes.
                    o.Delete = true;
                    o.Pkcs11Provider = arg;
                    break;
                default:
                    // -k -K -S -h -H -M -m: certificates only, resident keys, security keys, destination constraints.
                    throw new AgentArgumentException($"hop: option -{opt} is not supported");
            }
        }
        o.Files = args[g.Index..];
        if ((o.Lock != 0 ? 1 : 0) + (o.List != 0 ? 1 : 0) + (o.DeleteAll ? 1 : 0) > 1) throw new AgentArgumentException("Invalid combination of actions");
        return o;
    }

    private static async Task<int> DispatchAsync(AgentClient client, Options o)
    {
        if (o.Lock != 0) return await LockAsync(client, o.Lock == 'x').ConfigureAwait(false);
        if (o.List != 0) return await ListAsync(client, o.List == 'l', o.Hash).ConfigureAwait(false);
        if (o.DeleteAll) return await DeleteAllAsync(client, o.Quiet).ConfigureAwait(false);
        if (o.Test)
        {
            if (o.Files.Length == 0)
            {
                Console.Error.WriteLine("no keys to test");
                return 1;
            }
            int failed = 0;
            foreach (var f in o.Files)
            {
                if (!await AddKeys.TestAsync(client, f).ConfigureAwait(false)) failed++;
            }
            return failed == 0 ? 0 : 1;
        }
        if (o.Pkcs11Provider is { } provider) return await UpdateCardAsync(client, provider, o).ConfigureAwait(false);
        var keys = new AddKeys(client, o);
        if (o.Files.Length > 0)
        {
            int ret = 0;
            foreach (var f in o.Files)
            {
                if (!await keys.DoFileAsync(f).ConfigureAwait(false)) ret = 1;
            }
            return ret;
        }
        int count = 0, result = 0;
        string ssh = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        foreach (var name in AddKeys.DefaultFiles)
        {
            string path = Path.Combine(ssh, name);
            if (!File.Exists(path)) continue;
            if (await keys.DoFileAsync(path).ConfigureAwait(false)) count++;
            else result = 1;
        }
        return count == 0 ? 1 : result;
    }

    /// <summary>
    /// -s / -e: ssh-add's update_card. Adding asks for the token's PIN ("Enter passphrase for
    /// PKCS#11: "; no answer ends quietly with 1) and sends it with the -t/-c constraints; removing
    /// sends the provider alone. The agent loads or unloads the provider itself.
    /// </summary>
    private static async Task<int> UpdateCardAsync(AgentClient client, string provider, Options o)
    {
        bool add = !o.Delete;
        char[]? pin = null;
        if (add)
        {
            pin = await AddPassphrase.ReadAsync("Enter passphrase for PKCS#11: ").ConfigureAwait(false);
            if (pin is null) return 1;
        }
        try
        {
            if (add)
            {
                await client.AddSmartcardKeyAsync(provider, pin, o.Lifetime, o.Confirm).ConfigureAwait(false);
            }
            else
            {
                await client.RemoveSmartcardKeyAsync(provider).ConfigureAwait(false);
            }
        }
        catch (SshException e)
        {
            Console.Error.WriteLine($"Could not {(add ? "add" : "remove")} card \"{provider}\": {e.Message}");
            return 1;
        }
        finally
        {
            if (pin is not null) Array.Clear(pin);
        }
        if (!o.Quiet) Console.Error.WriteLine($"Card {(add ? "added" : "removed")}: {provider}");
        return 0;
    }

    private static async Task<int> LockAsync(AgentClient client, bool lockIt)
    {
        char[]? p1 = await AddPassphrase.ReadAsync("Enter lock password: ").ConfigureAwait(false) ?? [];
        char[]? p2 = null;
        try
        {
            if (lockIt)
            {
                p2 = await AddPassphrase.ReadAsync("Again: ").ConfigureAwait(false) ?? [];
                if (!p1.AsSpan().SequenceEqual(p2))
                {
                    Console.Error.WriteLine("Passwords do not match.");
                    return 1;
                }
            }
            string un = lockIt ? "" : "un";
            try
            {
                if (lockIt) await client.LockAsync(p1).ConfigureAwait(false);
                else await client.UnlockAsync(p1).ConfigureAwait(false);
            }
            catch (SshException e)
            {
                Console.Error.WriteLine($"Failed to {un}lock agent: {e.Message}");
                return 1;
            }
            Console.Error.WriteLine($"Agent {un}locked.");
            return 0;
        }
        finally
        {
            Array.Clear(p1);
            if (p2 is not null) Array.Clear(p2);
        }
    }

    private static async Task<int> ListAsync(AgentClient client, bool fingerprints, HashAlgorithmName hash)
    {
        IReadOnlyList<AgentIdentity> ids;
        try
        {
            ids = await client.RequestIdentitiesAsync().ConfigureAwait(false);
        }
        catch (SshException e)
        {
            Console.Error.WriteLine("error fetching identities: " + e.Message);
            return 1;
        }
        if (ids.Count == 0)
        {
            Console.Out.WriteLine("The agent has no identities.");
            return 1;
        }
        foreach (var id in ids)
        {
            var key = id.PublicKey;
            if (fingerprints)
            {
                if (key is null) continue; // ssh-add skips keys of types it cannot read
                Console.Out.WriteLine($"{key.KeySizeBits} {key.Fingerprint(hash)} {id.Comment} ({AddKeys.TypeLabel(key.KeyType)})");
            }
            else
            {
                Console.Out.WriteLine($"{id.KeyType} {Convert.ToBase64String(id.KeyBlob.Span)} {id.Comment}");
            }
        }
        return 0;
    }

    private static async Task<int> DeleteAllAsync(AgentClient client, bool quiet)
    {
        try
        {
            await client.RemoveAllAsync().ConfigureAwait(false);
        }
        catch (SshException)
        {
            Console.Error.WriteLine("Failed to remove all identities.");
            return 1;
        }
        if (!quiet) Console.Error.WriteLine("All identities removed.");
        return 0;
    }

    internal static void PrintUsage()
    {
        Console.Error.WriteLine("usage: hop add [-cDdLlqTvXx] [-E fingerprint_hash] [-t life] [file ...]");
        Console.Error.WriteLine("       hop add -s pkcs11");
        Console.Error.WriteLine("       hop add -e pkcs11");
        Console.Error.WriteLine("       hop add -T pubkey ...");
    }
}
