using Hop.Ssh.Agent;
using Hop.Ssh.Keys;

namespace Hop.Ssh.Auth;

/// <summary>A key held by an SSH agent: the agent signs, the private key never leaves it.</summary>
public sealed class AgentKeyIdentity : IUserIdentity
{
    private readonly AgentClient _agent;

    public AgentKeyIdentity(AgentClient agent, SshPublicKey key, string comment)
    {
        _agent = agent;
        PublicKey = key;
        Comment = comment;
    }

    public SshPublicKey PublicKey { get; }
    public string Comment { get; }
    public string Source => string.IsNullOrEmpty(Comment) ? "agent" : Comment + " (agent)";

    public async ValueTask<byte[]?> SignAsync(ReadOnlyMemory<byte> data, string algorithm, CancellationToken cancellationToken)
    {
        // A certificate ("rsa-sha2-512-cert-v01@openssh.com") signs with its key's plain algorithm.
        algorithm = SshCertificate.SignatureAlgorithmOf(algorithm);
        var flags = algorithm switch
        {
            "rsa-sha2-256" => AgentSignFlags.RsaSha2_256,
            "rsa-sha2-512" => AgentSignFlags.RsaSha2_512,
            _ => AgentSignFlags.None,
        };
        try
        {
            byte[] signature = await _agent.SignAsync(PublicKey, data, flags, cancellationToken).ConfigureAwait(false);
            // The agent must have used the algorithm we asked for (an old agent may sign ssh-rsa).
            var r = new Hop.Ssh.Wire.SshReader(signature);
            return r.ReadName() == algorithm ? signature : null;
        }
        catch (SshAgentRefusedException)
        {
            return null;
        }
    }
}
