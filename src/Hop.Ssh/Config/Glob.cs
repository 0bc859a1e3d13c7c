namespace Hop.Ssh.Config;

/// <summary>
/// The glob(3) subset that Include needs: '*' and '?' in any path component, results sorted,
/// names starting with '.' matched only by a pattern starting with '.'.
/// </summary>
internal static class Glob
{
    /// <summary>The existing paths matching <paramref name="pattern"/>; the path itself when it has no wildcard.</summary>
    public static List<string> Expand(string pattern)
    {
        if (pattern.IndexOfAny(['*', '?']) < 0)
            return File.Exists(pattern) || Directory.Exists(pattern) ? [pattern] : [];
        bool rooted = pattern.StartsWith('/');
        string[] parts = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = new List<string> { rooted ? "/" : "" };
        for (int p = 0; p < parts.Length; p++)
        {
            string part = parts[p];
            bool last = p == parts.Length - 1;
            var next = new List<string>();
            foreach (string dir in current)
            {
                if (part.IndexOfAny(['*', '?']) < 0)
                {
                    string candidate = Join(dir, part);
                    if (last ? File.Exists(candidate) || Directory.Exists(candidate) : Directory.Exists(candidate)) next.Add(candidate);
                    continue;
                }
                string listDir = dir.Length == 0 ? "." : dir;
                if (!Directory.Exists(listDir)) continue;
                IEnumerable<string> entries;
                try
                {
                    entries = Directory.EnumerateFileSystemEntries(listDir).Select(Path.GetFileName).OfType<string>().ToList();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }
                var names = entries
                    .Where(n => (!n.StartsWith('.') || part.StartsWith('.')) && SshPattern.Match(n, part))
                    .OrderBy(n => n, StringComparer.Ordinal);
                foreach (string name in names)
                {
                    string candidate = Join(dir, name);
                    if (last || Directory.Exists(candidate)) next.Add(candidate);
                }
            }
            current = next;
        }
        return current;
    }

    private static string Join(string dir, string name) => dir.Length == 0 ? name : dir.EndsWith('/') ? dir + name : dir + "/" + name;
}
