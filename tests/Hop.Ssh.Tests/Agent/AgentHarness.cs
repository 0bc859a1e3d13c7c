using Hop.Ssh.Agent;

namespace Hop.Ssh.Tests.Agent;

/// <summary>A hop agent served in-process on a Unix socket in a temporary directory.</summary>
internal sealed class AgentHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _run;
    private readonly string _dir;

    public AgentHarness(IAgentConfirmation? confirmation = null, TimeProvider? time = null)
    {
        _dir = Directory.CreateTempSubdirectory("hop-agent-test-").FullName;
        Path = System.IO.Path.Combine(_dir, "agent.sock");
        Listener = UnixSocketAgentListener.Create(Path);
        Store = new AgentKeyStore(time);
        Server = new AgentServer(Store, confirmation) { Log = line => { lock (LogLines) LogLines.Add(line); } };
        _run = Server.RunAsync(Listener, _cts.Token);
    }

    public string Path { get; }
    public UnixSocketAgentListener Listener { get; }
    public AgentKeyStore Store { get; }
    public AgentServer Server { get; }
    public List<string> LogLines { get; } = [];

    public Task<AgentClient> ClientAsync() => AgentClient.OpenAsync(Path);

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        await _run.WaitAsync(TimeSpan.FromSeconds(10));
        await Listener.DisposeAsync();
        Store.Dispose();
        _cts.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}

internal sealed class FixedConfirmation(bool answer) : IAgentConfirmation
{
    public List<string> Prompts { get; } = [];

    public Task<bool> ConfirmAsync(string prompt, CancellationToken cancellationToken)
    {
        Prompts.Add(prompt);
        return Task.FromResult(answer);
    }
}
