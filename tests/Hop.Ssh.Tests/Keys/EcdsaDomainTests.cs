using System.Security.Cryptography;
using Hop.Ssh.Keys;
using Xunit;

namespace Hop.Ssh.Tests.Keys;

public class EcdsaDomainTests
{
    [Theory]
    [InlineData(256)]
    [InlineData(384)]
    [InlineData(521)]
    public void NewKeysPointIsTheOneOpenSslDerivesFromItsScalar(int bits)
    {
        // The point comes from BouncyCastle; OpenSSL (through the BCL), given only the scalar, must
        // compute the same point, and the scalar must lie in [1, n-1].
        using var key = EcdsaPrivateKey.Generate(bits);
        var pub = (EcdsaPublicKey)key.PublicKey;
        byte[] d = key.ExportPrivateScalar();
        using var bcl = ECDsa.Create(new ECParameters { Curve = pub.Parameters.Curve, D = d });
        var derived = bcl.ExportParameters(false);
        Assert.Equal(derived.Q.X, pub.Parameters.Q.X);
        Assert.Equal(derived.Q.Y, pub.Parameters.Q.Y);
        Assert.Contains(d, b => b != 0);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(521)]
    public void NewKeySignsWhatItsPublicKeyVerifies(int bits)
    {
        using var key = EcdsaPrivateKey.Generate(bits);
        byte[] data = "signed by a key whose BCL form is made on first use"u8.ToArray();
        byte[] sig = key.Sign(data);
        Assert.True(key.PublicKey.Verify(data, sig));
        data[0] ^= 1;
        Assert.False(key.PublicKey.Verify(data, sig));
    }

    [Fact]
    public void TwoNewKeysDiffer()
    {
        using var a = EcdsaPrivateKey.Generate(256);
        using var b = EcdsaPrivateKey.Generate(256);
        Assert.NotEqual(a.ExportPrivateScalar(), b.ExportPrivateScalar());
        Assert.NotEqual(((EcdsaPublicKey)a.PublicKey).Q, ((EcdsaPublicKey)b.PublicKey).Q);
    }

    [Theory]
    [InlineData("nistp256", 32)]
    [InlineData("nistp384", 48)]
    [InlineData("nistp521", 66)]
    public void APublicPointOffItsCurveOrOutsideTheFieldIsRefused(string curve, int n)
    {
        using var key = EcdsaPrivateKey.Generate(n == 66 ? 521 : n * 8);
        byte[] q = ((EcdsaPublicKey)key.PublicKey).Q;
        Assert.Equal(curve, new EcdsaPublicKey(curve, q).CurveName);

        byte[] offCurve = (byte[])q.Clone();
        offCurve[^1] ^= 1;
        Assert.Throws<SshKeyFormatException>(() => new EcdsaPublicKey(curve, offCurve));

        byte[] outsideField = (byte[])q.Clone();
        outsideField.AsSpan(1, n).Fill(0xff);
        Assert.Throws<SshKeyFormatException>(() => new EcdsaPublicKey(curve, outsideField));

        byte[] compressed = q[..(1 + n)];
        compressed[0] = 2;
        Assert.Throws<SshKeyFormatException>(() => new EcdsaPublicKey(curve, compressed));
    }
}
