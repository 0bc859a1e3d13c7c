namespace Hop.Cli.Commands;

/// <summary>Remote (always '/') path arithmetic for sftp and scp, and "[user@]host:path" operands.</summary>
internal static class RemotePath
{
    /// <summary><paramref name="path"/> against the remote working directory <paramref name="cwd"/>.</summary>
    public static string Combine(string cwd, string path)
    {
        if (path.Length == 0) return cwd;
        if (path[0] == '/') return path;
        if (path == "~") return cwd;
        if (path.StartsWith("~/", StringComparison.Ordinal)) path = path[2..];
        return cwd.EndsWith('/') ? cwd + path : cwd + "/" + path;
    }

    /// <summary>The last component ("a/b/" → "b").</summary>
    public static string BaseName(string path)
    {
        string p = path.TrimEnd('/');
        if (p.Length == 0) return "/";
        int slash = p.LastIndexOf('/');
        return slash < 0 ? p : p[(slash + 1)..];
    }

    /// <summary>Everything before the last component ("/a/b" → "/a", "b" → ".").</summary>
    public static string DirName(string path)
    {
        string p = path.TrimEnd('/');
        int slash = p.LastIndexOf('/');
        if (slash < 0) return ".";
        return slash == 0 ? "/" : p[..slash];
    }

    public static bool HasGlob(string s) => s.AsSpan().IndexOfAny("*?[") >= 0;

    /// <summary>
    /// Splits "[user@]host:path" (host may be "[v6]") as scp and sftp do: a colon before any slash
    /// makes the operand remote. Returns false for a local path; on Windows, as Windows OpenSSH's scp
    /// and PuTTY's pscp, also for a drive letter's path (C:\x, C:x) and a backslash before the colon.
    /// </summary>
    public static bool TrySplitRemote(string operand, out string destination, out string path)
    {
        destination = "";
        path = "";
        if (OperatingSystem.IsWindows() && IsWindowsLocalPath(operand)) return false;
        if (operand.StartsWith("sftp://", StringComparison.OrdinalIgnoreCase) || operand.StartsWith("scp://", StringComparison.OrdinalIgnoreCase))
        {
            string rest = operand[(operand.IndexOf("://", StringComparison.Ordinal) + 3)..];
            int slash = rest.IndexOf('/', StringComparison.Ordinal);
            string authority = slash < 0 ? rest : rest[..slash];
            path = slash < 0 ? "" : rest[(slash + 1)..];
            destination = "ssh://" + authority;
            return authority.Length > 0;
        }
        int i = 0;
        int at = operand.IndexOf('@', StringComparison.Ordinal);
        int slashAt = operand.IndexOf('/', StringComparison.Ordinal);
        if (at >= 0 && (slashAt < 0 || at < slashAt)) i = at + 1;
        if (i < operand.Length && operand[i] == '[')
        {
            int close = operand.IndexOf(']', i);
            if (close < 0) return false;
            if (close + 1 < operand.Length && operand[close + 1] == ':')
            {
                destination = operand[..i] + operand[(i + 1)..close];
                path = operand[(close + 2)..];
                return true;
            }
            return false;
        }
        for (; i < operand.Length; i++)
        {
            if (operand[i] == '/') return false;
            if (operand[i] == ':')
            {
                if (i == 0) return false;
                destination = operand[..i];
                path = operand[(i + 1)..];
                return true;
            }
        }
        return false;
    }

    /// <summary>A drive letter and its colon first, or a backslash before the first colon.</summary>
    private static bool IsWindowsLocalPath(string operand)
    {
        if (operand.Length >= 2 && char.IsAsciiLetter(operand[0]) && operand[1] == ':') return true;
        int colon = operand.IndexOf(':', StringComparison.Ordinal);
        int backslash = operand.IndexOf('\\', StringComparison.Ordinal);
        return backslash >= 0 && (colon < 0 || backslash < colon);
    }
}
