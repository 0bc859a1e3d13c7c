namespace Hop.Ssh.Connection;

public sealed partial class SshConnection
{
    /// <summary>The most output <see cref="RunCommandAsync"/> keeps unless told otherwise: 64 MiB, stdout and stderr together.</summary>
    public const int DefaultOutputLimit = 64 * 1024 * 1024;

    /// <summary>
    /// Opens a "session" channel and runs <paramref name="command"/> in it. The exec request goes
    /// out from the receive thread the moment the server confirms the channel, as OpenSSH's client
    /// sends it, not one hand-off to the caller and back later. Completes once the channel is open,
    /// before the server has answered the request: when it refuses the command, the channel closes
    /// and <see cref="SessionChannel.Exit"/> faults. Stdout and stderr go to <paramref name="sinks"/>
    /// when given, else to the channel's pipes.
    /// </summary>
    public Task<SessionChannel> StartCommandAsync(string command, ChannelSinks? sinks = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        return OpenAsync(id => new SessionChannel(this, id, sinks, command), null, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="command"/> on a new session channel and returns how it ended and all it
    /// wrote, as SSH.NET's RunCommand does. The command is sent the moment the channel opens
    /// (<see cref="StartCommandAsync"/>), its output is kept in memory as the receive thread reads
    /// it, and the task completes once, when the channel closes. Output past
    /// <paramref name="outputLimit"/> bytes (stdout and stderr together) closes the channel and fails
    /// the task; stream a command that prints more through <see cref="OpenSessionAsync(CancellationToken)"/>.
    /// Cancelling closes the channel.
    /// </summary>
    public async Task<CommandResult> RunCommandAsync(string command, int outputLimit = DefaultOutputLimit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(outputLimit);
        var output = new CommandOutput(outputLimit);
        var channel = await StartCommandAsync(command, output.Sinks, cancellationToken).ConfigureAwait(false);
        try
        {
            output.Attach(channel);
            var exit = await channel.Exit.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (output.Overflowed) throw new SshChannelException($"{channel.Name}: output of '{command}' passed {outputLimit} bytes");
            return new CommandResult(exit, output.Stdout, output.Stderr);
        }
        finally
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
    }
}
