using System.Security.Cryptography;
using Hop.Ssh.Keys;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Math.EC.Multiplier;
using Xunit;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

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

    /// <summary>P-256's base point on a curve instance of its own, which no other test has given a table.</summary>
    private static ECPoint FreshP256BasePoint()
    {
        var shared = CustomNamedCurves.GetByName("P-256");
        var curve = shared.Curve.Configure().Create();
        Assert.NotSame(shared.Curve, curve);
        return curve.DecodePoint(shared.G.GetEncoded(false));
    }

    [Fact]
    public void TheP256CombTableMadeAheadOfTimeIsTheOneBouncyCastleComputes()
    {
        var g = FreshP256BasePoint();
        var computed = FixedPointUtilities.Precompute(g);
        var ours = P256FixedPointComb.Build(g.Curve);

        Assert.Equal(computed.Width, ours.Width);
        Assert.Equal(computed.LookupTable.Size, ours.LookupTable.Size);
        Assert.Equal(computed.Offset.Normalize().GetEncoded(false), ours.Offset.Normalize().GetEncoded(false));
        for (int i = 0; i < computed.LookupTable.Size; i++)
            Assert.Equal(computed.LookupTable.Lookup(i).Normalize().GetEncoded(false), ours.LookupTable.Lookup(i).Normalize().GetEncoded(false));
    }

    [Fact]
    public void TheCombMultiplierUsesTheInstalledTableAndComputesDTimesG()
    {
        var g = FreshP256BasePoint();
        var installed = P256FixedPointComb.Install(g);
        Assert.Same(installed, FixedPointUtilities.Precompute(g));
        Assert.Same(installed, P256FixedPointComb.Install(g));

        var d = new Org.BouncyCastle.Math.BigInteger(1, RandomNumberGenerator.GetBytes(31));
        var viaTable = new FixedPointCombMultiplier().Multiply(g, d).Normalize();
        var reference = ECAlgorithms.ReferenceMultiply(g, d).Normalize();
        Assert.Equal(reference.GetEncoded(false), viaTable.GetEncoded(false));
    }
}
