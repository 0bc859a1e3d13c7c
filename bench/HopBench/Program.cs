// The Hop.Ssh library side of bench/bench.sh (the same jobs as bench/SshNetBench, through Hop.Ssh's SshClient).
//   down HOST PORT USER KEY CIPHER MAC KEX BYTES   runs `head -c BYTES /dev/zero`; the bytes are counted and dropped in process
//   up   HOST PORT USER KEY CIPHER MAC KEX BYTES   runs `cat > /dev/null` and sends BYTES zero bytes from memory
//   true HOST PORT USER KEY CIPHER MAC KEX         connects, authenticates, runs `true`, disconnects
//   many HOST PORT USER KEY CIPHER MAC KEX COUNT   one connection, COUNT channels each running `true`;
//                                                  prints "per-command-ms <ms>"
// MAC "-" means the cipher is an AEAD (no separate MAC). Exit status: 0 when the job succeeded.
using System.Diagnostics;
using System.Globalization;
using Hop.Ssh.Auth;
using Hop.Ssh.Client;
using Hop.Ssh.Connection;

if (args.Length < 8) return Usage();
try
{
    await using var client = await ConnectAsync(args);
    switch (args[0])
    {
        case "down" when args.Length == 9:
            {
                long want = long.Parse(args[8], CultureInfo.InvariantCulture);
                long got = await DownloadAsync(client, want);
                return got == want ? 0 : 1;
            }
        case "up" when args.Length == 9:
            return await UploadAsync(client, long.Parse(args[8], CultureInfo.InvariantCulture));
        case "true" when args.Length == 8:
            return await RunAsync(client, "true");
        case "many" when args.Length == 9:
            {
                int count = int.Parse(args[8], CultureInfo.InvariantCulture);
                if (await RunAsync(client, "true") != 0) return 1;
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < count; i++)
                {
                    if (await RunAsync(client, "true") != 0) return 1;
                }
                clock.Stop();
                Console.WriteLine("per-command-ms " + (clock.Elapsed.TotalMilliseconds / count).ToString("F3", CultureInfo.InvariantCulture));
                return 0;
            }
        default:
            return Usage();
    }
}
catch (Exception e)
{
    Console.Error.WriteLine("hopbench: " + e.Message);
    return 255;
}

static int Usage()
{
    Console.Error.WriteLine("usage: HopBench down|up|true|many HOST PORT USER KEY CIPHER MAC KEX [BYTES|COUNT]");
    return 2;
}

static async Task<SshClient> ConnectAsync(string[] a)
{
    string host = a[1], user = a[3], keyPath = a[4], cipher = a[5], mac = a[6], kex = a[7];
    var identity = await FileIdentity.TryLoadAsync(keyPath, prompter: null)
        ?? throw new InvalidOperationException("cannot load " + keyPath);
    var settings = new SshClientSettings
    {
        Host = host,
        Port = int.Parse(a[2], CultureInfo.InvariantCulture),
        User = user,
        Ciphers = [cipher],
        Macs = mac == "-" ? Hop.Ssh.Crypto.MacAlgorithms.Default : [mac],
        KexAlgorithms = [kex],
        Identities = [identity],
        PreferredAuthentications = ["publickey"],
        ConnectTimeout = TimeSpan.FromSeconds(30),
        VerifyHostKey = static (_, _) => ValueTask.FromResult(true),
    };
    return await SshClient.ConnectAsync(settings);
}

static async Task<int> RunAsync(SshClient client, string command)
{
    var result = await client.Connection.RunCommandAsync(command);
    return result.ExitStatus ?? 255;
}

static async Task<long> DownloadAsync(SshClient client, long bytes)
{
    await using var channel = await client.Connection.OpenSessionAsync();
    await channel.ExecAsync("head -c " + bytes.ToString(CultureInfo.InvariantCulture) + " /dev/zero");
    long got = await DrainAsync(channel.Output);
    var exit = await channel.Exit;
    return exit.ExitStatus == 0 ? got : -1;
}

static async Task<int> UploadAsync(SshClient client, long bytes)
{
    await using var channel = await client.Connection.OpenSessionAsync();
    await channel.ExecAsync("cat > /dev/null");
    var block = new byte[256 * 1024];
    for (long left = bytes; left > 0; left -= block.Length)
    {
        await channel.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, left)));
    }
    await channel.SendEofAsync();
    await DrainAsync(channel.Output);
    var exit = await channel.Exit;
    return exit.ExitStatus ?? 255;
}

static async Task<long> DrainAsync(System.IO.Pipelines.PipeReader reader)
{
    long total = 0;
    while (true)
    {
        var result = await reader.ReadAsync();
        total += result.Buffer.Length;
        reader.AdvanceTo(result.Buffer.End);
        if (result.IsCompleted) break;
    }
    await reader.CompleteAsync();
    return total;
}
