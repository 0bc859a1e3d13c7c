using Hop.Ssh.Transport.Messages;

namespace Hop.Ssh.Transport;

/// <summary>Chooses each algorithm as RFC 4253 §7.1 says: the client's first choice that the server also lists.</summary>
internal static class AlgorithmNegotiation
{
    public static NegotiatedAlgorithms Negotiate(KexInitMessage client, KexInitMessage server)
    {
        string kex = Pick("key exchange method", client.KexAlgorithms.Where(IsRealKex), server.KexAlgorithms);
        string hostKey = Pick("host key type", client.ServerHostKeyAlgorithms, server.ServerHostKeyAlgorithms);
        string encC2S = Pick("cipher", client.EncryptionClientToServer, server.EncryptionClientToServer);
        string encS2C = Pick("cipher", client.EncryptionServerToClient, server.EncryptionServerToClient);
        string? macC2S = CryptoFactory.IsAead(encC2S) ? null : Pick("MAC", client.MacClientToServer, server.MacClientToServer);
        string? macS2C = CryptoFactory.IsAead(encS2C) ? null : Pick("MAC", client.MacServerToClient, server.MacServerToClient);
        Pick("compression method", client.CompressionClientToServer, server.CompressionClientToServer);
        Pick("compression method", client.CompressionServerToClient, server.CompressionServerToClient);
        return new NegotiatedAlgorithms(kex, hostKey, encC2S, encS2C, macC2S, macS2C);
    }

    private static bool IsRealKex(string name) =>
        name is not ("ext-info-c" or "ext-info-s") && !name.StartsWith("kex-strict-", StringComparison.Ordinal);

    private static string Pick(string what, IEnumerable<string> ours, string[] theirs)
    {
        foreach (var name in ours)
        {
            if (Array.IndexOf(theirs, name) >= 0) return name;
        }
        throw new SshConnectionException($"no matching {what} found. Their offer: {string.Join(',', theirs)}");
    }
}
