using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Connection;

public class ConnectionMessageTests
{
    private delegate void Writer(ref SshWriter w);

    private static byte[] Write(Writer write)
    {
        using var buffer = new SshBuffer();
        var w = buffer.Writer;
        write(ref w);
        return buffer.ToArray();
    }

    [Fact]
    public void GlobalRequestRoundTrips()
    {
        var data = Write((ref SshWriter w) => new TcpipForwardRequest("127.0.0.1", 2222).Write(ref w));
        var bytes = Write((ref SshWriter w) => new GlobalRequestMessage { RequestName = "tcpip-forward", WantReply = true, RequestData = data }.Write(ref w));
        Assert.Equal(80, bytes[0]);
        var r = new SshReader(bytes);
        var m = GlobalRequestMessage.Read(ref r);
        Assert.Equal("tcpip-forward", m.RequestName);
        Assert.True(m.WantReply);
        var dr = new SshReader(m.RequestData.Span);
        Assert.Equal(new TcpipForwardRequest("127.0.0.1", 2222), TcpipForwardRequest.Read(ref dr));
    }

    [Fact]
    public void StreamlocalForwardDataRoundTrips()
    {
        var data = Write((ref SshWriter w) => new StreamlocalForwardRequest("/run/x.sock").Write(ref w));
        byte[] expected = [0, 0, 0, 11, .. "/run/x.sock"u8];
        Assert.Equal(expected, data);
        var r = new SshReader(data);
        Assert.Equal("/run/x.sock", StreamlocalForwardRequest.Read(ref r).SocketPath);
    }

    [Fact]
    public void RequestSuccessAndFailureRoundTrip()
    {
        var bytes = Write((ref SshWriter w) => new RequestSuccessMessage { ResponseData = new byte[] { 0, 0, 0x9c, 0x40 } }.Write(ref w));
        Assert.Equal(new byte[] { 81, 0, 0, 0x9c, 0x40 }, bytes);
        var r = new SshReader(bytes);
        Assert.Equal(new byte[] { 0, 0, 0x9c, 0x40 }, RequestSuccessMessage.Read(ref r).ResponseData.ToArray());

        bytes = Write((ref SshWriter w) => new RequestFailureMessage().Write(ref w));
        Assert.Equal(new byte[] { 82 }, bytes);
        r = new SshReader(bytes);
        RequestFailureMessage.Read(ref r);
        r = new SshReader([82, 0]);
        try
        {
            RequestFailureMessage.Read(ref r);
            Assert.Fail("trailing byte accepted");
        }
        catch (SshProtocolException)
        {
        }
    }

    public static TheoryData<string, ChannelOpenDetails?> OpenCases() => new()
    {
        { ChannelTypes.Session, null },
        { ChannelTypes.AuthAgent, null },
        { ChannelTypes.DirectTcpip, new TcpipChannelOpenDetails { Host = "example.org", Port = 443, OriginatorAddress = "127.0.0.1", OriginatorPort = 50000 } },
        { ChannelTypes.ForwardedTcpip, new TcpipChannelOpenDetails { Host = "0.0.0.0", Port = 8080, OriginatorAddress = "10.0.0.9", OriginatorPort = 41000 } },
        { ChannelTypes.X11, new X11ChannelOpenDetails { OriginatorAddress = "127.0.0.1", OriginatorPort = 6010 } },
        { ChannelTypes.DirectStreamlocal, new StreamlocalChannelOpenDetails { SocketPath = "/run/app.sock", HasReservedUInt32 = true } },
        { ChannelTypes.ForwardedStreamlocal, new StreamlocalChannelOpenDetails { SocketPath = "/tmp/x.sock", HasReservedUInt32 = false } },
        { ChannelTypes.Tun, new TunChannelOpenDetails { Mode = TunnelMode.Ethernet, RemoteUnit = 6 } },
        { "custom@example.org", new RawChannelOpenDetails(new byte[] { 1, 2, 3 }) },
    };

    [Fact]
    public void TunHasOpenSshsLayout()
    {
        var m = new ChannelOpenMessage
        {
            ChannelType = "tun@openssh.com", SenderChannel = 0, InitialWindowSize = 2097152, MaximumPacketSize = 32768,
            Details = new TunChannelOpenDetails { Mode = TunnelMode.PointToPoint },
        };
        var bytes = Write(m.Write);
        // The mode, then SSH_TUNID_ANY (0x7fffffff), after the common fields.
        Assert.Equal(new byte[] { 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff }, bytes[^8..]);
    }

    [Theory]
    [MemberData(nameof(OpenCases))]
    public void ChannelOpenRoundTrips(string type, ChannelOpenDetails? details)
    {
        var m = new ChannelOpenMessage { ChannelType = type, SenderChannel = 7, InitialWindowSize = 2097152, MaximumPacketSize = 32768, Details = details };
        var bytes = Write(m.Write);
        Assert.Equal(90, bytes[0]);
        var r = new SshReader(bytes);
        var back = ChannelOpenMessage.Read(ref r);
        Assert.Equal(type, back.ChannelType);
        Assert.Equal(7u, back.SenderChannel);
        Assert.Equal(2097152u, back.InitialWindowSize);
        Assert.Equal(32768u, back.MaximumPacketSize);
        Assert.Equal(details?.GetType(), back.Details?.GetType());
        Assert.Equal(bytes, Write(back.Write));
    }

    [Fact]
    public void DirectTcpipHasTheRfcLayout()
    {
        var m = new ChannelOpenMessage
        {
            ChannelType = "direct-tcpip", SenderChannel = 1, InitialWindowSize = 2, MaximumPacketSize = 3,
            Details = new TcpipChannelOpenDetails { Host = "h", Port = 22, OriginatorAddress = "o", OriginatorPort = 9 },
        };
        byte[] expected =
        [
            90, 0, 0, 0, 12, .. "direct-tcpip"u8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
            0, 0, 0, 1, (byte)'h', 0, 0, 0, 22, 0, 0, 0, 1, (byte)'o', 0, 0, 0, 9,
        ];
        Assert.Equal(expected, Write(m.Write));
    }

    [Fact]
    public void SessionOpenWithTrailingBytesIsRejected()
    {
        var bytes = Write(new ChannelOpenMessage { ChannelType = "session", SenderChannel = 0, InitialWindowSize = 1, MaximumPacketSize = 1 }.Write);
        var r = new SshReader([.. bytes, 0]);
        try
        {
            ChannelOpenMessage.Read(ref r);
            Assert.Fail("trailing bytes accepted");
        }
        catch (SshProtocolException)
        {
        }
    }

    [Fact]
    public void OpenConfirmationAndFailureRoundTrip()
    {
        var c = new ChannelOpenConfirmationMessage { RecipientChannel = 1, SenderChannel = 2, InitialWindowSize = 3, MaximumPacketSize = 4 };
        var bytes = Write(c.Write);
        Assert.Equal(new byte[] { 91, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4 }, bytes);
        var r = new SshReader(bytes);
        var cb = ChannelOpenConfirmationMessage.Read(ref r);
        Assert.Equal((1u, 2u, 3u, 4u), (cb.RecipientChannel, cb.SenderChannel, cb.InitialWindowSize, cb.MaximumPacketSize));

        var f = new ChannelOpenFailureMessage { RecipientChannel = 5, ReasonCode = ChannelOpenFailureReason.ConnectFailed, Description = "Connection refused", LanguageTag = "en" };
        bytes = Write(f.Write);
        Assert.Equal(92, bytes[0]);
        r = new SshReader(bytes);
        var fb = ChannelOpenFailureMessage.Read(ref r);
        Assert.Equal(5u, fb.RecipientChannel);
        Assert.Equal(ChannelOpenFailureReason.ConnectFailed, fb.ReasonCode);
        Assert.Equal("Connection refused", fb.Description);
        Assert.Equal("en", fb.LanguageTag);
        Assert.Equal("administratively prohibited", ChannelOpenFailureMessage.ReasonText(ChannelOpenFailureReason.AdministrativelyProhibited));
    }

    [Fact]
    public void WindowAdjustRoundTrips()
    {
        var m = new ChannelWindowAdjustMessage(3, 1048576);
        var bytes = Write(m.Write);
        Assert.Equal(new byte[] { 93, 0, 0, 0, 3, 0, 0x10, 0, 0 }, bytes);
        var direct = new byte[ChannelWindowAdjustMessage.Length];
        m.WriteTo(direct);
        Assert.Equal(bytes, direct);
        var r = new SshReader(bytes);
        Assert.Equal(m, ChannelWindowAdjustMessage.Read(ref r));
    }

    [Fact]
    public void DataRoundTripsAndHeaderMatches()
    {
        var bytes = Write((ref SshWriter w) => new ChannelDataMessage(4, "hello"u8).Write(ref w));
        byte[] expected = [94, 0, 0, 0, 4, 0, 0, 0, 5, .. "hello"u8];
        Assert.Equal(expected, bytes);
        var header = new byte[ChannelDataMessage.HeaderLength];
        ChannelDataMessage.WriteHeader(header, 4, 5);
        Assert.Equal(bytes[..9], header);
        var r = new SshReader(bytes);
        var m = ChannelDataMessage.Read(ref r);
        Assert.Equal(4u, m.RecipientChannel);
        Assert.Equal("hello"u8.ToArray(), m.Data.ToArray());

        r = new SshReader(bytes[..^1]);
        try
        {
            ChannelDataMessage.Read(ref r);
            Assert.Fail("truncated data accepted");
        }
        catch (SshProtocolException)
        {
        }
    }

    [Fact]
    public void ExtendedDataRoundTrips()
    {
        var bytes = Write((ref SshWriter w) => new ChannelExtendedDataMessage(4, 1, "err"u8).Write(ref w));
        byte[] expected = [95, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 3, .. "err"u8];
        Assert.Equal(expected, bytes);
        var header = new byte[ChannelExtendedDataMessage.HeaderLength];
        ChannelExtendedDataMessage.WriteHeader(header, 4, 1, 3);
        Assert.Equal(bytes[..13], header);
        var r = new SshReader(bytes);
        var m = ChannelExtendedDataMessage.Read(ref r);
        Assert.Equal((4u, 1u), (m.RecipientChannel, m.DataTypeCode));
        Assert.Equal("err"u8.ToArray(), m.Data.ToArray());
    }

    [Theory]
    [InlineData(96)]
    [InlineData(97)]
    [InlineData(99)]
    [InlineData(100)]
    public void SignalMessagesRoundTrip(byte number)
    {
        var m = new ChannelSignalMessage(number, 0x01020304);
        var bytes = Write(m.Write);
        Assert.Equal(new byte[] { number, 1, 2, 3, 4 }, bytes);
        Assert.Equal(bytes, m.ToArray());
        var r = new SshReader(bytes);
        Assert.Equal(m, ChannelSignalMessage.Read(ref r));
    }

    [Fact]
    public void SignalMessageRejectsOtherNumbers()
    {
        var r = new SshReader([94, 0, 0, 0, 0]);
        try
        {
            ChannelSignalMessage.Read(ref r);
            Assert.Fail("accepted");
        }
        catch (SshProtocolException)
        {
        }
    }

    public static TheoryData<string, ChannelRequestDetails?> RequestCases() => new()
    {
        { ChannelRequestTypes.PtyReq, new PtyRequestDetails { Term = "xterm-256color", Columns = 80, Rows = 24, WidthPixels = 640, HeightPixels = 480, Modes = new TerminalModes().Set(TerminalMode.ECHO, 1).Set(TerminalMode.IUTF8, 1).Set(TerminalMode.TTY_OP_OSPEED, 38400) } },
        { ChannelRequestTypes.X11Req, new X11RequestDetails { SingleConnection = false, AuthenticationProtocol = "MIT-MAGIC-COOKIE-1", AuthenticationCookie = "00112233445566778899aabbccddeeff", ScreenNumber = 0 } },
        { ChannelRequestTypes.Env, new EnvRequestDetails { Name = "LANG", Value = "C.UTF-8" } },
        { ChannelRequestTypes.Shell, null },
        { ChannelRequestTypes.Exec, new CommandRequestDetails("ls -l /tmp") },
        { ChannelRequestTypes.Subsystem, new CommandRequestDetails("sftp") },
        { ChannelRequestTypes.WindowChange, new WindowChangeRequestDetails { Columns = 132, Rows = 43, WidthPixels = 1, HeightPixels = 2 } },
        { ChannelRequestTypes.XonXoff, new XonXoffRequestDetails(true) },
        { ChannelRequestTypes.Signal, new SignalRequestDetails("INT") },
        { ChannelRequestTypes.ExitStatus, new ExitStatusRequestDetails(42) },
        { ChannelRequestTypes.ExitSignal, new ExitSignalRequestDetails { SignalName = "SEGV", CoreDumped = true, ErrorMessage = "boom", LanguageTag = "" } },
        { ChannelRequestTypes.AuthAgentReq, null },
        { ChannelRequestTypes.KeepaliveOpenSsh, null },
        { "eow@openssh.com", new RawChannelRequestDetails(ReadOnlyMemory<byte>.Empty) },
    };

    [Theory]
    [MemberData(nameof(RequestCases))]
    public void ChannelRequestRoundTrips(string type, ChannelRequestDetails? details)
    {
        var m = new ChannelRequestMessage { RecipientChannel = 9, RequestType = type, WantReply = true, Details = details };
        var bytes = Write(m.Write);
        Assert.Equal(98, bytes[0]);
        var r = new SshReader(bytes);
        var back = ChannelRequestMessage.Read(ref r);
        Assert.Equal(9u, back.RecipientChannel);
        Assert.Equal(type, back.RequestType);
        Assert.True(back.WantReply);
        Assert.Equal(details?.GetType(), back.Details?.GetType());
        Assert.Equal(bytes, Write(back.Write));
    }

    [Fact]
    public void ExitStatusHasTheRfcLayout()
    {
        var m = new ChannelRequestMessage { RecipientChannel = 0, RequestType = "exit-status", WantReply = false, Details = new ExitStatusRequestDetails(1) };
        byte[] expected = [98, 0, 0, 0, 0, 0, 0, 0, 11, .. "exit-status"u8, 0, 0, 0, 0, 1];
        Assert.Equal(expected, Write(m.Write));
    }

    [Fact]
    public void TerminalModesEncodeAsOpcodeAndUInt32EndedByZero()
    {
        var modes = new TerminalModes().Set(TerminalMode.VINTR, 3).Set(TerminalMode.IUTF8, 1).Set(TerminalMode.TTY_OP_ISPEED, 38400);
        Assert.Equal(new byte[] { 1, 0, 0, 0, 3, 42, 0, 0, 0, 1, 128, 0, 0, 0x96, 0, 0 }, modes.Encode());
        var back = TerminalModes.Decode(modes.Encode());
        Assert.Equal(modes.Modes, back.Modes);
        Assert.True(back.TryGet(TerminalMode.IUTF8, out uint v) && v == 1);
        // An undefined opcode (160+) stops the parse.
        Assert.Single(TerminalModes.Decode([53, 0, 0, 0, 1, 200, 1, 2]).Modes);
        Assert.Empty(new TerminalModes().Modes);
        Assert.Equal(new byte[] { 0 }, new TerminalModes().Encode());
    }

    [Fact]
    public void PtyRequestCarriesTheModes()
    {
        var pty = new PtyRequestDetails { Term = "vt100", Columns = 80, Rows = 24, Modes = new TerminalModes().Set(TerminalMode.ECHO, 0) };
        var bytes = Write(new ChannelRequestMessage { RecipientChannel = 0, RequestType = "pty-req", WantReply = true, Details = pty }.Write);
        var r = new SshReader(bytes);
        var back = (PtyRequestDetails)ChannelRequestMessage.Read(ref r).Details!;
        Assert.Equal("vt100", back.Term);
        Assert.Equal((80u, 24u), (back.Columns, back.Rows));
        Assert.True(back.Modes.TryGet(TerminalMode.ECHO, out uint echo) && echo == 0);
    }

    [Fact]
    public void WrongMessageNumberIsRejected()
    {
        var r = new SshReader([97, 0, 0, 0, 0, 0, 0, 0, 0]);
        try
        {
            ChannelWindowAdjustMessage.Read(ref r);
            Assert.Fail("accepted");
        }
        catch (SshProtocolException)
        {
        }
    }
}
