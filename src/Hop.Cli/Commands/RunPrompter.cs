using Hop.Ssh.Auth;

namespace Hop.Cli.Commands;

/// <summary>
/// What answers one host's prompts in `hop run`, where many connections share one terminal: the
/// password typed once with -A (for a key's passphrase, password and keyboard-interactive
/// authentication alike, as parallel-ssh's askpass), or nothing. A banner goes to the host's stderr.
/// </summary>
internal sealed class RunPrompter(string? password, DiagnosticLog log) : IAuthPrompter
{
    public ValueTask<string?> ReadSecretAsync(string prompt, CancellationToken cancellationToken) => ValueTask.FromResult(password);

    public ValueTask<IReadOnlyList<string>?> ReadResponsesAsync(string name, string instruction, IReadOnlyList<AuthPrompt> prompts, CancellationToken cancellationToken)
    {
        // Only hidden prompts are password prompts; a question shown in the clear has no answer here.
        if (password is null || prompts.Any(p => p.Echo)) return ValueTask.FromResult<IReadOnlyList<string>?>(null);
        return ValueTask.FromResult<IReadOnlyList<string>?>([.. prompts.Select(_ => password)]);
    }

    /// <summary>Not reached from `hop run` (its settings show banners through the log); the same here.</summary>
    public void ShowBanner(string text) => log.ShowBanner(text);
}
