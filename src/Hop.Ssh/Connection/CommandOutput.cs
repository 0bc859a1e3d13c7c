using System.Text;

namespace Hop.Ssh.Connection;

/// <summary>What <see cref="SshConnection.RunCommandAsync"/> returns: how the command ended and all it wrote.</summary>
public sealed record CommandResult(SessionExit Exit, byte[] Output, byte[] ErrorOutput)
{
    /// <summary>The exit status, or null when the server reported none (a signal, or nothing).</summary>
    public int? ExitStatus => Exit.ExitStatus;

    /// <summary><see cref="Output"/> as UTF-8 text.</summary>
    public string OutputText => Encoding.UTF8.GetString(Output);

    /// <summary><see cref="ErrorOutput"/> as UTF-8 text.</summary>
    public string ErrorOutputText => Encoding.UTF8.GetString(ErrorOutput);
}

/// <summary>
/// A command's stdout and stderr kept in memory, written on the receive thread, up to a limit for
/// both together; past it the channel is closed (here or, when the output came before the caller
/// had the channel, by <see cref="Attach"/>).
/// </summary>
internal sealed class CommandOutput
{
    private readonly Lock _gate = new();
    private readonly MemoryStream _stdout = new();
    private readonly MemoryStream _stderr = new();
    private readonly int _limit;
    private SessionChannel? _channel;
    private bool _overflowed;

    public CommandOutput(int limit)
    {
        _limit = limit;
        Sinks = new ChannelSinks(new Sink(this, _stdout), new Sink(this, _stderr));
    }

    public ChannelSinks Sinks { get; }

    public bool Overflowed
    {
        get { lock (_gate) return _overflowed; }
    }

    public byte[] Stdout
    {
        get { lock (_gate) return _stdout.ToArray(); }
    }

    public byte[] Stderr
    {
        get { lock (_gate) return _stderr.ToArray(); }
    }

    public void Attach(SessionChannel channel)
    {
        lock (_gate)
        {
            _channel = channel;
            if (!_overflowed) return;
        }
        channel.CloseInBackground();
    }

    /// <summary>Keeps <paramref name="data"/>; false (and the channel closed) when it would pass the limit.</summary>
    private bool Keep(MemoryStream stream, ReadOnlySpan<byte> data)
    {
        SessionChannel? close;
        lock (_gate)
        {
            if (!_overflowed && _stdout.Length + _stderr.Length + data.Length <= _limit)
            {
                stream.Write(data);
                return true;
            }
            _overflowed = true;
            close = _channel;
        }
        close?.CloseInBackground();
        return false;
    }

    private sealed class Sink(CommandOutput owner, MemoryStream stream) : IChannelDataSink
    {
        public int Write(ReadOnlySpan<byte> data)
            => owner.Keep(stream, data) ? data.Length : throw new IOException("command output over the limit");

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data)
            => owner.Keep(stream, data.Span) ? ValueTask.CompletedTask : ValueTask.FromException(new IOException("command output over the limit"));
    }
}
