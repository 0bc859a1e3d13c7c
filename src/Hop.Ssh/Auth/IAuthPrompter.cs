namespace Hop.Ssh.Auth;

/// <summary>Asks the user for secrets and shows server text; the CLI answers from the terminal or SSH_ASKPASS.</summary>
public interface IAuthPrompter
{
    /// <summary>Asks for a secret without echo; null when the user cancels or no way to ask exists.</summary>
    ValueTask<string?> ReadSecretAsync(string prompt, CancellationToken cancellationToken);

    /// <summary>
    /// Answers keyboard-interactive prompts; null to give up on the method. The name, instruction and
    /// prompts are the server's words, as sent: escape control characters before showing them.
    /// </summary>
    ValueTask<IReadOnlyList<string>?> ReadResponsesAsync(string name, string instruction, IReadOnlyList<AuthPrompt> prompts, CancellationToken cancellationToken);

    /// <summary>Shows the server's banner, as sent: escape control characters before showing it.</summary>
    void ShowBanner(string text);
}
