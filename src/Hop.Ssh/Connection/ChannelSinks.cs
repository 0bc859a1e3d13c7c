namespace Hop.Ssh.Connection;

/// <summary>The sinks a channel's two inbound streams go to; a null one stays a pipe (<see cref="SshChannel.Output"/>).</summary>
public sealed record ChannelSinks(IChannelDataSink? Output, IChannelDataSink? ExtendedOutput);
