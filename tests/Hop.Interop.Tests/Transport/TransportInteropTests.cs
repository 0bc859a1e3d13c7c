using Hop.Interop.Tests.Fixtures;
using Hop.Ssh.Crypto;

namespace Hop.Interop.Tests.Transport;

/// <summary>Every key exchange, cipher, MAC and host key algorithm alone against OpenSSH's sshd.</summary>
public class TransportInteropTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    public static TheoryData<string> Kexes => new()
    {
        "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "curve25519-sha256@libssh.org",
        "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256",
        "diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
    };

    [Theory]
    [MemberData(nameof(Kexes))]
    public async Task EachKeyExchangeAlone(string kex)
    {
        Hop.Ssh.Transport.SshTransport t;
        try
        {
            t = await TransportHarness.ConnectAsync(_sshd.Port, _sshd.KnownHostsPath, kex: [kex]);
        }
        catch (Hop.Ssh.SshException e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\n" + _sshd.Log);
        }
        await using var _ = t;
        Assert.Equal(kex, t.Algorithms!.Kex);
        Assert.True(t.StrictKex);
        Assert.Equal("publickey", await TransportHarness.AuthenticateAsync(t, _sshd.User));
    }

    [Theory]
    [InlineData("chacha20-poly1305@openssh.com", null)]
    [InlineData("aes128-gcm@openssh.com", null)]
    [InlineData("aes256-gcm@openssh.com", null)]
    [InlineData("aes128-ctr", "hmac-sha2-256-etm@openssh.com")]
    [InlineData("aes192-ctr", "hmac-sha2-512-etm@openssh.com")]
    [InlineData("aes256-ctr", "hmac-sha2-256")]
    [InlineData("aes128-ctr", "hmac-sha2-512")]
    [InlineData("aes256-ctr", "hmac-sha1")]
    [InlineData("aes256-ctr", "hmac-sha1-etm@openssh.com")]
    public async Task EachCipherAndMacAlone(string cipher, string? mac)
    {
        await using var t = await TransportHarness.ConnectAsync(_sshd.Port, _sshd.KnownHostsPath,
            kex: ["curve25519-sha256"], ciphers: [cipher], macs: mac is null ? MacAlgorithms.Default : [mac]);
        Assert.Equal(cipher, t.Algorithms!.CipherClientToServer);
        Assert.Equal(mac, t.Algorithms.MacClientToServer);
        Assert.Equal("publickey", await TransportHarness.AuthenticateAsync(t, _sshd.User));
    }

    [Theory]
    [InlineData("ssh-ed25519")]
    [InlineData("ecdsa-sha2-nistp256")]
    [InlineData("ecdsa-sha2-nistp384")]
    [InlineData("ecdsa-sha2-nistp521")]
    [InlineData("rsa-sha2-512")]
    [InlineData("rsa-sha2-256")]
    public async Task EachHostKeyAlgorithmAlone(string alg)
    {
        await using var t = await TransportHarness.ConnectAsync(_sshd.Port, _sshd.KnownHostsPath, kex: ["curve25519-sha256"], hostKeys: [alg]);
        Assert.Equal(alg, t.Algorithms!.HostKey);
    }

    [Theory]
    [InlineData("ed25519", null)]
    [InlineData("ecdsa256", null)]
    [InlineData("rsa", "rsa-sha2-256")]
    [InlineData("rsa", "rsa-sha2-512")]
    public async Task EachUserKeyType(string keyType, string? rsaAlg)
    {
        await using var t = await TransportHarness.ConnectAsync(_sshd.Port, _sshd.KnownHostsPath, kex: ["curve25519-sha256"]);
        IReadOnlyList<string>? algs = rsaAlg is null ? null : [rsaAlg];
        Assert.Equal("publickey", await TransportHarness.AuthenticateAsync(t, _sshd.User, keyType, algs));
        if (rsaAlg is not null) Assert.Contains($"publickey for {_sshd.User}", _sshd.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownHostKeyIsRefused()
    {
        var other = Path.Combine(_sshd.Directory, "other_known_hosts");
        var keys = await TestKeys.DirectoryAsync();
        var line = File.ReadAllText(Path.Combine(keys, "id_ed25519.pub")).Trim().Split(' ');
        File.WriteAllText(other, $"[127.0.0.1]:{_sshd.Port} {line[0]} {line[1]}\n");
        var e = await Assert.ThrowsAsync<Hop.Ssh.SshConnectionException>(() => TransportHarness.ConnectAsync(_sshd.Port, other));
        Assert.Contains("Host key verification failed", e.Message, StringComparison.Ordinal);
    }
}
