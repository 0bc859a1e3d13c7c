using System.Diagnostics;

namespace Hop.Interop.Tests.Fixtures;

/// <summary>Stopping a fixture server: kill its process tree, wait for it, remove its folder.</summary>
internal static class ServerProcess
{
    public static async ValueTask StopAsync(Process process, string directory)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // It had already gone.
        }
        process.Dispose();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
