using System.Buffers;
using System.ComponentModel;
using System.Net.Sockets;
using System.Security.Cryptography;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;

namespace Hop.Ssh.Client.X11;

/// <summary>What X11 forwarding needs from the configuration (ForwardX11Trusted, ForwardX11Timeout, XAuthLocation).</summary>
public sealed class X11ForwardingOptions
{
    /// <summary>The local display (DISPLAY).</summary>
    public string? Display { get; init; }

    /// <summary>-Y / ForwardX11Trusted: forward the real cookie rather than an untrusted one.</summary>
    public bool Trusted { get; init; }

    /// <summary>ForwardX11Timeout: for untrusted forwarding, new X11 connections are refused after this; zero for never.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(20);

    public string XAuthLocation { get; init; } = "/usr/bin/xauth";

    /// <summary>Log lines: level 0 is shown to the user (unless quiet), 1..3 are debug.</summary>
    public Action<int, string>? Log { get; init; }
}

/// <summary>
/// X11 forwarding (RFC 4254 §6.3): sends "x11-req" with a fake cookie and relays each "x11"
/// channel the server opens to the local display, after checking the fake cookie in the client's
/// connection setup and replacing it with the real one. Clients with another cookie are refused.
/// </summary>
public sealed class X11Forwarding : IDisposable
{
    public const string Protocol = "MIT-MAGIC-COOKIE-1";

    private readonly X11Display _display;
    private readonly string _protocol;
    private readonly byte[] _realCookie;
    private readonly byte[] _fakeCookie;
    private readonly DateTime? _refuseAfter;
    private readonly Action<int, string>? _log;
    private int _connections;

    private X11Forwarding(X11Display display, string protocol, byte[] realCookie, DateTime? refuseAfter, Action<int, string>? log)
    {
        _display = display;
        _protocol = protocol;
        _realCookie = realCookie;
        _fakeCookie = RandomNumberGenerator.GetBytes(realCookie.Length);
        _refuseAfter = refuseAfter;
        _log = log;
    }

    /// <summary>How many X11 connections were relayed so far.</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>
    /// Gets the cookie with xauth, registers the "x11" channel handler and sends x11-req on
    /// <paramref name="session"/>. Returns null, after one line through the log, when DISPLAY is
    /// unset, xauth is missing or fails, or the server refuses; the session goes on without X11.
    /// </summary>
    public static async Task<X11Forwarding?> RequestAsync(SessionChannel session, X11ForwardingOptions options, CancellationToken cancellationToken = default)
    {
        var forwarding = await StartAsync(session, options, cancellationToken).ConfigureAwait(false);
        if (forwarding is null) return null;
        return await forwarding.Granted.ConfigureAwait(false) ? forwarding : null;
    }

    /// <summary>
    /// As <see cref="RequestAsync"/>, without waiting for the server's answer (<see cref="Granted"/>):
    /// the session's other requests can follow x11-req at once, as ssh sends them. A refusal
    /// withdraws the forwarding and says so through the log, when the answer comes.
    /// </summary>
    public static async Task<X11Forwarding?> StartAsync(SessionChannel session, X11ForwardingOptions options, CancellationToken cancellationToken = default)
    {
        var log = options.Log;
        if (string.IsNullOrEmpty(options.Display))
        {
            log?.Invoke(0, "X11 forwarding requested but DISPLAY not set");
            return null;
        }
        if (X11Display.Parse(options.Display) is not { } display)
        {
            log?.Invoke(0, $"X11 forwarding requested but DISPLAY \"{options.Display}\" is not valid");
            return null;
        }
        if (!File.Exists(options.XAuthLocation))
        {
            log?.Invoke(0, "No xauth program; cannot forward X11.");
            return null;
        }
        var cookie = await GetCookieAsync(display, options, cancellationToken).ConfigureAwait(false);
        if (cookie is null) return null;
        DateTime? refuseAfter = !options.Trusted && options.Timeout > TimeSpan.Zero ? DateTime.UtcNow + options.Timeout : null;
        var forwarding = new X11Forwarding(display, cookie.Value.Protocol, cookie.Value.Cookie, refuseAfter, log);
        session.Connection.SetChannelOpenHandler(ChannelTypes.X11, forwarding.OnOpenAsync);
        log?.Invoke(1, $"Requesting X11 forwarding with authentication spoofing.");
        Task<bool> reply;
        try
        {
            reply = session.RequestX11Async(false, forwarding._protocol, Convert.ToHexStringLower(forwarding._fakeCookie), display.Screen, cancellationToken);
        }
        catch
        {
            forwarding.Withdraw(session);
            throw;
        }
        forwarding.Granted = forwarding.ConfirmAsync(session, reply);
        return forwarding;
    }

    /// <summary>The server's answer to x11-req; false when it refused (the forwarding is then withdrawn).</summary>
    public Task<bool> Granted { get; private set; } = Task.FromResult(true);

    private async Task<bool> ConfirmAsync(SessionChannel session, Task<bool> reply)
    {
        bool ok;
        try
        {
            ok = await reply.ConfigureAwait(false);
        }
        catch
        {
            Withdraw(session);
            throw;
        }
        if (!ok)
        {
            Withdraw(session);
            _log?.Invoke(0, $"X11 forwarding request failed on channel {session.LocalChannelId}");
        }
        return ok;
    }

    private void Withdraw(SessionChannel session)
    {
        session.Connection.SetChannelOpenHandler(ChannelTypes.X11, null);
        Dispose();
    }

    private static async Task<(string Protocol, byte[] Cookie)?> GetCookieAsync(X11Display display, X11ForwardingOptions options, CancellationToken ct)
    {
        var log = options.Log;
        try
        {
            if (options.Trusted)
            {
                var found = await XAuthProgram.ListAsync(options.XAuthLocation, display.XAuthName, null, ct).ConfigureAwait(false);
                if (found is { } f && f.Cookie.Length > 0) return f;
                log?.Invoke(0, "Warning: No xauth data; using fake authentication data for X11 forwarding.");
                return (Protocol, RandomNumberGenerator.GetBytes(16));
            }
            var dir = Directory.CreateTempSubdirectory("hop-x11-");
            try
            {
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                string file = Path.Combine(dir.FullName, "xauthfile");
                // As OpenSSH: the X server's cookie outlives the refusal time by a minute.
                uint seconds = options.Timeout > TimeSpan.Zero ? (uint)Math.Min(uint.MaxValue - 60, options.Timeout.TotalSeconds) + 60 : 0;
                if (await XAuthProgram.GenerateUntrustedAsync(options.XAuthLocation, file, display.XAuthName, seconds, ct).ConfigureAwait(false)
                    && await XAuthProgram.ListAsync(options.XAuthLocation, display.XAuthName, file, ct).ConfigureAwait(false) is { } u
                    && u.Cookie.Length > 0)
                {
                    return u;
                }
                log?.Invoke(0, "Warning: untrusted X11 forwarding setup failed: xauth key data not generated");
                return null;
            }
            finally
            {
                try { dir.Delete(recursive: true); } catch (IOException) { }
            }
        }
        catch (Exception e) when (e is IOException or Win32Exception or UnauthorizedAccessException)
        {
            log?.Invoke(0, $"X11 forwarding request failed: cannot run {options.XAuthLocation}: {e.Message}");
            return null;
        }
    }

    private async Task OnOpenAsync(IncomingChannelOpen open)
    {
        var origin = open.Details as X11ChannelOpenDetails;
        _log?.Invoke(1, $"client_input_channel_open: ctype x11 from {origin?.OriginatorAddress} port {origin?.OriginatorPort}");
        if (_refuseAfter is { } t && DateTime.UtcNow > t)
        {
            _log?.Invoke(0, "Rejected X11 connection after ForwardX11Timeout expired");
            open.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, "X11 forwarding timed out");
            return;
        }
        Stream local;
        try
        {
            local = await _display.ConnectAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            _log?.Invoke(0, $"connect to X11 display {_display.Name} failed: {e.Message}");
            open.Reject(ChannelOpenFailureReason.ConnectFailed, "cannot connect to the X11 display");
            return;
        }
        SshChannel channel;
        try
        {
            channel = await open.AcceptAsync().ConfigureAwait(false);
        }
        catch
        {
            await local.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        byte[]? setup = null;
        try
        {
            setup = await ReadSetupAsync(channel).ConfigureAwait(false);
            if (setup is null || !X11ConnectionSetup.TryReplaceCookie(setup, _protocol, _fakeCookie, _realCookie))
            {
                _log?.Invoke(0, "X11 connection rejected because of wrong authentication.");
                await local.DisposeAsync().ConfigureAwait(false);
                await CloseQuietlyAsync(channel).ConfigureAwait(false);
                return;
            }
            await local.WriteAsync(setup).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or SocketException or ObjectDisposedException)
        {
            await local.DisposeAsync().ConfigureAwait(false);
            await CloseQuietlyAsync(channel).ConfigureAwait(false);
            return;
        }
        finally
        {
            if (setup is not null) CryptographicOperations.ZeroMemory(setup);
        }
        Interlocked.Increment(ref _connections);
        await ChannelRelay.RunAsync(channel, local, log: _log).ConfigureAwait(false);
    }

    /// <summary>Reads the client's whole connection setup from the channel; null when the channel ends first.</summary>
    private static async Task<byte[]?> ReadSetupAsync(SshChannel channel)
    {
        var reader = channel.Output;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var result = await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= X11ConnectionSetup.FixedLength)
            {
                var head = new byte[X11ConnectionSetup.FixedLength];
                buffer.Slice(0, X11ConnectionSetup.FixedLength).CopyTo(head);
                int total = X11ConnectionSetup.TotalLength(head);
                if (buffer.Length >= total)
                {
                    var setup = buffer.Slice(0, total).ToArray();
                    reader.AdvanceTo(buffer.GetPosition(total));
                    return setup;
                }
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted) return null;
        }
    }

    private static async Task CloseQuietlyAsync(SshChannel channel)
    {
        try
        {
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_realCookie);
        CryptographicOperations.ZeroMemory(_fakeCookie);
    }
}
