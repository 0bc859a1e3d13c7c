namespace Hop.Cli;

internal static class Program
{
    private static async Task<int> Main(string[] args) => await CommandTable.RunAsync(args).ConfigureAwait(false);
}
