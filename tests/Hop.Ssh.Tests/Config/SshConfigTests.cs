using Hop.Ssh.Config;

namespace Hop.Ssh.Tests.Config;

public class SshConfigTests : ConfigTestBase
{
    [Fact]
    public void Defaults_are_OpenSshs()
    {
        var c = Resolve("Example.COM", "");
        Assert.Equal("example.com", c.HostName);
        Assert.Equal("Example.COM", c.OriginalHost);
        Assert.Equal(22, c.Port);
        Assert.Equal("tester", c.User);
        Assert.Equal(StrictHostKeyChecking.Ask, c.StrictHostKeyChecking);
        Assert.Equal([Dir + "/.ssh/known_hosts", Dir + "/.ssh/known_hosts2"], c.UserKnownHostsFiles);
        Assert.Equal(["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"], c.GlobalKnownHostsFiles);
        Assert.Equal(ResolvedConfig.DefaultIdentityFiles, c.IdentityFilesUnexpanded);
        Assert.False(c.IdentityFilesConfigured);
        Assert.True(c.PasswordAuthentication);
        Assert.True(c.PubkeyAuthentication);
        Assert.Equal(UpdateHostKeys.Yes, c.UpdateHostKeys);
        Assert.Null(c.ConnectTimeout);
        Assert.Equal('~', c.EscapeChar);
        Assert.False(c.EnableEscapeCommandline);
        Assert.Equal(3, c.ServerAliveCountMax);
        Assert.Equal(TimeSpan.Zero, c.ServerAliveInterval);
        Assert.True(c.HostKeyAlgorithmsIsDefault);
        Assert.Equal(AlgorithmDefaults.OpenSsh.Ciphers.Default, c.Ciphers);
    }

    [Fact]
    public void Host_key_options_resolve_as_ssh_reads_them()
    {
        var defaults = Resolve("h", "");
        Assert.Equal(System.Security.Cryptography.HashAlgorithmName.SHA256, defaults.FingerprintHash);
        Assert.False(defaults.NoHostAuthenticationForLocalhost);
        Assert.Null(defaults.KnownHostsCommand);
        var c = Resolve("h", "Host h\n FingerprintHash Md5\n NoHostAuthenticationForLocalhost true\n KnownHostsCommand /bin/kh %H  #x \n");
        Assert.Equal(System.Security.Cryptography.HashAlgorithmName.MD5, c.FingerprintHash);
        Assert.True(c.NoHostAuthenticationForLocalhost);
        Assert.Equal("/bin/kh %H  #x", c.KnownHostsCommand);
        Assert.Null(Resolve("h", "KnownHostsCommand NONE\n").KnownHostsCommand);
    }

    [Fact]
    public void SmartcardDevice_is_PKCS11Providers_old_name_as_in_ssh()
    {
        Assert.Null(Resolve("h", "").Pkcs11Provider);
        Assert.Equal("/usr/lib/p11.so", Resolve("h", "Host h\n SmartcardDevice /usr/lib/p11.so\n").Pkcs11Provider);
        Assert.Empty(Resolve("h", "SmartcardDevice /usr/lib/p11.so\n").UnsupportedKeywords);
    }

    [Fact]
    public void KnownHostsCommand_is_shown_as_ssh_shows_a_command_it_ran()
    {
        Assert.Equal("/bin/sh -c \"kill -9 $$\" a\\\\b \\'q\\'", KnownHostsCommand.Assemble(["/bin/sh", "-c", "kill -9 $$", "a\\b", "'q'"]));
        // Split as ssh splits the template: a '#' is an ordinary character there.
        Assert.Equal(["/bin/kh", "#x", "a b"], ConfigTokenizer.SplitArguments("/bin/kh #x \"a b\"", terminateOnComment: false));
    }

    [Fact]
    public void First_obtained_value_wins_and_command_line_comes_first()
    {
        var c = Resolve("h", "Host h\n Port 1\n User a\nHost *\n Port 2\n Compression yes\n", "Port=3");
        Assert.Equal(3, c.Port);
        Assert.Equal("a", c.User);
        Assert.True(c.Compression);
        Assert.Equal("command-line", c.Entries("port")[0].File);
    }

    [Fact]
    public void User_and_port_options_apply_before_files()
    {
        var o = Options(Write("config", "Host h\n User fromfile\n Port 9\n"));
        var c = SshConfig.Resolve("h", new ResolveOptions
        {
            ConfigFile = o.ConfigFile,
            HomeDirectory = Dir,
            LocalUser = "tester",
            User = "cli",
            Port = 2022,
        });
        Assert.Equal("cli", c.User);
        Assert.Equal(2022, c.Port);
    }

    [Fact]
    public void System_file_is_read_after_user_file_and_skipped_with_F()
    {
        Write(".ssh/config", "Host h\n Port 10\n");
        Write("etc/ssh_config", "Host *\n Port 20\n User sys\n");
        var noF = Options();
        var c = SshConfig.Resolve("h", noF);
        Assert.Equal(10, c.Port);
        Assert.Equal("sys", c.User);
        Assert.Equal(2, c.FilesRead.Count);

        var withF = SshConfig.Resolve("h", Options(Write("other", "Port 30\n")));
        Assert.Equal(30, withF.Port);
        Assert.Equal("tester", withF.User);

        var none = SshConfig.Resolve("h", Options("none"));
        Assert.Equal(22, none.Port);
        Assert.Empty(none.FilesRead);
    }

    [Fact]
    public void Missing_F_file_is_an_error()
    {
        var e = Assert.Throws<SshConfigException>(() => SshConfig.Resolve("h", Options(Path.Combine(Dir, "absent"))));
        Assert.Contains("Can't open user config file", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host h\n  Port 22x\n", 2, "Bad port")]
    [InlineData("Host h\n\n  Bogus yes\n", 3, "Bad configuration option: bogus")]
    [InlineData("Port 1 2\n", 1, "extra arguments")]
    [InlineData("Port\n", 1, "no argument after keyword")]
    [InlineData("User \"abc\n", 1, "invalid quotes")]
    [InlineData("Compression maybe\n", 1, "unsupported option")]
    [InlineData("Match nothing\n", 1, "Bad Match condition")]
    [InlineData("Match host\n", 1, "Missing Match criteria")]
    [InlineData("Match all host x\n", 1, "cannot be combined")]
    [InlineData("Ciphers aes999-gcm\n", 1, "Bad SSH2 cipher spec 'aes999-gcm'.")]
    [InlineData("Ciphers -*\n", 1, "Bad SSH2 cipher spec '-*'.")]
    [InlineData("MACs -hmac-*,umac-*\n", 1, "Bad SSH2 MAC spec '-hmac-*,umac-*'.")]
    [InlineData("KexAlgorithms -*\n", 1, "Bad SSH2 KexAlgorithms '-*'.")]
    [InlineData("HostKeyAlgorithms -*\n", 1, "Bad key types '-*'.")]
    [InlineData("LocalForward 8080\n", 1, "Bad forwarding specification")]
    [InlineData("EscapeChar ab\n", 1, "Bad escape character")]
    [InlineData("RekeyLimit 8\n", 1, "RekeyLimit too small")]
    [InlineData("SetEnv NOEQUALS\n", 1, "Invalid SetEnv")]
    [InlineData("ServerAliveInterval 5x\n", 1, "invalid time value")]
    [InlineData("PermitRemoteOpen any a:1\n", 1, "keyword permitremoteopen \"any\" argument must appear alone.")]
    [InlineData("PermitRemoteOpen a:1 none\n", 1, "keyword permitremoteopen \"none\" argument must appear alone.")]
    [InlineData("PermitRemoteOpen db\n", 1, "bad port number in permitremoteopen")]
    [InlineData("PermitRemoteOpen [::1]:0\n", 1, "bad port number in permitremoteopen")]
    [InlineData("PermitRemoteOpen [::1:22\n", 1, "missing host in permitremoteopen")]
    [InlineData("FingerprintHash sha3\n", 1, "Invalid hash algorithm \"sha3\".")]
    [InlineData("NoHostAuthenticationForLocalhost ask\n", 1, "unsupported option \"ask\".")]
    [InlineData("KnownHostsCommand /bin/echo \"abc\n", 1, "invalid quotes")]
    [InlineData("ProxyCommand nc %h \"%p\n", 1, "invalid quotes")]
    public void Errors_name_file_and_line(string text, int line, string message)
    {
        string file = Write("bad", text);
        var e = Assert.Throws<SshConfigException>(() => SshConfig.Resolve("h", Options(file)));
        Assert.StartsWith($"{file} line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(file, e.File);
        Assert.Equal(line, e.Line);
        Assert.IsAssignableFrom<SshException>(e);
    }

    [Fact]
    public void Bad_values_in_inactive_blocks_are_still_errors_like_OpenSSH()
    {
        Assert.Throws<SshConfigException>(() => Resolve("h", "Host other\n Port nope\n"));
    }

    [Fact]
    public void Command_line_refuses_Host_Match_Include()
    {
        foreach (string o in new[] { "Host=x", "Match=all", "Include=/x" })
        {
            var e = Assert.Throws<SshConfigException>(() => SshConfig.Resolve("h", Options("none", o)));
            Assert.StartsWith("command-line line 0:", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void IgnoreUnknown_skips_matching_unknown_keywords_and_keeps_them()
    {
        var c = Resolve("h", "IgnoreUnknown UseKeychain,Foo*\nUseKeychain yes\nFooBar 1\nPort 5\n");
        Assert.Equal(5, c.Port);
        Assert.Equal(["usekeychain", "foobar"], c.IgnoredUnknownKeywords.Select(e => e.Keyword));
        Assert.Throws<SshConfigException>(() => Resolve("h", "UseKeychain yes\nIgnoreUnknown UseKeychain\n"));
    }

    [Fact]
    public void Keywords_Hop_does_not_support_are_reported_once_with_their_place()
    {
        string file = Write("config", "Host a\n VerifyHostKeyDNS ask\nHost b\n VerifyHostKeyDNS yes\n GSSAPIAuthentication yes\n");
        var c = SshConfig.Resolve("zzz", Options(file));
        Assert.Equal(["verifyhostkeydns", "gssapiauthentication"], c.UnsupportedKeywords.Select(e => e.Keyword));
        Assert.Equal(2, c.UnsupportedKeywords[0].Line);
        Assert.Null(c.Raw("verifyhostkeydns"));
        Assert.Equal("ask", Resolve("a", "Host a\n VerifyHostKeyDNS ask\n").Raw("VerifyHostKeyDNS"));
    }

    [Fact]
    public void Keyword_aliases_map_to_their_keyword()
    {
        var c = Resolve("h", "PubkeyAcceptedKeyTypes ssh-ed25519\nChallengeResponseAuthentication no\n");
        Assert.Equal(["ssh-ed25519"], c.PubkeyAcceptedAlgorithms);
        Assert.False(c.KbdInteractiveAuthentication);
    }

    [Fact]
    public void Accumulating_keywords_collect_every_line()
    {
        var c = Resolve("h", "IdentityFile ~/a\nIdentityFile ~/b\nIdentityFile ~/a\nCertificateFile ~/c\n" +
            "LocalForward 1 x:1\nLocalForward 1:x 1\nLocalForward 2 x:2\nSendEnv A B\nSendEnv -A C\nSetEnv X=1 Y=2\nSetEnv Z=3\n");
        Assert.Equal(["~/a", "~/b"], c.IdentityFilesUnexpanded);
        Assert.Equal([Dir + "/a", Dir + "/b"], c.IdentityFiles);
        Assert.Equal([Dir + "/c"], c.CertificateFiles);
        Assert.Equal(2, c.LocalForwards.Count);
        Assert.Equal(["B", "C"], c.SendEnv);
        Assert.Equal(["X=1", "Y=2"], c.SetEnv);
    }

    [Fact]
    public void Tokens_are_expanded_where_OpenSSH_expands_them()
    {
        var c = Resolve("short", "Host short\n HostName real.example\n User bob\n Port 2200\n HostKeyAlias alias\n" +
            " IdentityFile %d/%u/%r@%h:%p-%n-%k-%l-%L-%i-%%\n UserKnownHostsFile ${KEYDIR}/kh_%h ~/kh2\n" +
            " ControlPath ~/cm-%C\n ProxyCommand nc %h %p\n IdentityAgent ${PCT}.sock\n");
        Assert.Equal($"{Dir}/tester/bob@real.example:2200-short-alias-box.local-box-1234-%", c.IdentityFiles[0]);
        Assert.Equal(["/keys/kh_real.example", Dir + "/kh2"], c.UserKnownHostsFiles);
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData("box.localreal.example2200bob"u8));
        Assert.Equal($"{Dir}/cm-{hash}", c.ControlPath);
        Assert.Equal("nc %h %p", c.ProxyCommand);
        Assert.Equal("nc real.example 2200", c.ExpandedProxyCommand);
        // ${} and % in one pass (percent_dollar_expand): a % in a variable's value stays as it is (ssh -G prints "%h.sock").
        Assert.Equal("%h.sock", c.IdentityAgent);
    }

    [Fact]
    public void Forward_specifications_expand_variables_before_they_are_split()
    {
        // parse_forward expands ${} in the whole specification first, so a variable may hold a port or a host; the
        // socket paths get their %tokens once the destination is known, a % from a variable included (as ssh -G shows).
        var c = Resolve("h", "Host h\n HostName real.example\n LocalForward ${KEYDIR}/l-${PCT}.sock remote:22\n" +
            " RemoteForward 7000 ${KEYDIR}/r.sock\n", "LocalForward ${PORT} ${PCT}:22");
        Assert.Equal(7100, c.LocalForwards[0].ListenPort);
        Assert.Equal("%h", c.LocalForwards[0].ConnectHost);
        Assert.Equal("/keys/l-real.example.sock", c.LocalForwards[1].ListenPath);
        Assert.Equal("/keys/r.sock", c.RemoteForwards.Single().ConnectPath);
    }

    [Fact]
    public void A_forward_with_an_unset_variable_is_bad_even_in_a_block_that_does_not_apply()
    {
        var e = Assert.Throws<SshConfigException>(() => Resolve("h", "Host other\n LocalForward ${NOPE} remote:22\n"));
        Assert.Contains("line 2: Bad forwarding specification.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_tokens_and_unset_variables_are_errors()
    {
        Assert.Throws<SshConfigException>(() => Resolve("h", "IdentityFile ~/%z\n"));
        Assert.Throws<SshConfigException>(() => Resolve("h", "IdentityFile ${NOPE}/x\n"));
        Assert.Throws<SshConfigException>(() => Resolve("h", "HostName %q\n"));
    }

    [Fact]
    public void Match_criteria()
    {
        const string text = "Host s\n HostName s.example.com\nMatch host *.example.com user tester\n Port 1\n" +
            "Match originalhost s exec true\n User viaexec\nMatch localuser tester !exec false\n Compression yes\n";
        var c = Resolve("s", text);
        Assert.Equal(1, c.Port);
        Assert.Equal("viaexec", c.User);
        Assert.True(c.Compression);
        var d = Resolve("t", text);
        Assert.Equal(22, d.Port);
        Assert.Equal("tester", d.User);
    }

    [Fact]
    public void Match_exec_is_skipped_once_an_earlier_criterion_failed()
    {
        var ran = new List<string>();
        var o = Options(Write("config", "Match host nomatch exec \"cmd %h\"\n Port 1\nMatch exec \"cmd %h %p\"\n Port 2\n"));
        var c = SshConfig.Resolve("h", new ResolveOptions
        {
            ConfigFile = o.ConfigFile,
            HomeDirectory = Dir,
            LocalUser = "tester",
            LocalHostName = "box",
            MatchExec = cmd => { ran.Add(cmd); return true; },
        });
        Assert.Equal(["cmd h 22"], ran);
        Assert.Equal(2, c.Port);
    }

    [Fact]
    public void Match_final_reparses_with_the_final_host_name()
    {
        var c = Resolve("h", "Host h\n HostName Final.Example\nMatch final host final.example\n User f\nHost final.example\n Port 7\n");
        Assert.Equal("f", c.User);
        Assert.Equal(7, c.Port);
        Assert.Equal("final.example", c.HostName);
    }

    [Fact]
    public void Include_globs_relative_paths_nesting_and_state()
    {
        Write(".ssh/conf.d/b.conf", "Host h\n User fromb\n");
        Write(".ssh/conf.d/a.conf", "Host h\n Port 11\n");
        Write(".ssh/conf.d/.hidden.conf", "Host h\n Compression yes\n");
        Write(".ssh/nested.conf", "Include conf.d/*.conf\n");
        var c = Resolve("h", "Include nested.conf\nHost h\n Port 99\n BatchMode yes\n");
        Assert.Equal(11, c.Port);
        Assert.Equal("fromb", c.User);
        Assert.False(c.Compression);
        Assert.True(c.BatchMode);

        // An Include inside an inactive block reads but never applies; a Host inside an include does not leak out.
        Write(".ssh/inc2.conf", "Port 5\nHost *\n User leak\n");
        var d = Resolve("h", "Host other\n Include inc2.conf\nHost h\n Include inc2.conf\n Compression yes\n");
        Assert.Equal(5, d.Port);
        Assert.Equal("leak", d.User);
        Assert.True(d.Compression);
        var e = Resolve("x", "Host other\n Include inc2.conf\n");
        Assert.Equal(22, e.Port);
        Assert.Equal("tester", e.User);
    }

    [Fact]
    public void Recursive_include_stops_at_the_depth_bound()
    {
        Write(".ssh/loop.conf", "Include loop.conf\n");
        var e = Assert.Throws<SshConfigException>(() => Resolve("h", "Include loop.conf\n"));
        Assert.Contains("Too many recursive configuration includes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void System_file_may_not_include_tilde_paths()
    {
        Write("etc/ssh_config", "Include ~/x\n");
        Assert.Throws<SshConfigException>(() => SshConfig.Resolve("h", Options()));
    }

    [Fact]
    public void Unsafe_permissions_are_refused_like_OpenSSH()
    {
        if (OperatingSystem.IsWindows()) return;
        string user = Write(".ssh/config", "Port 1\n");
        File.SetUnixFileMode(user, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite);
        var e = Assert.Throws<SshConfigException>(() => SshConfig.Resolve("h", Options()));
        Assert.Equal($"Bad owner or permissions on {user}", e.Message);

        // -F files are not checked, but what they Include is.
        string inc = Write("inc.conf", "Port 2\n");
        File.SetUnixFileMode(inc, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite);
        string f = Write("f.conf", "Port 3\n");
        File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite);
        Assert.Equal(3, SshConfig.Resolve("h", Options(f)).Port);
        Assert.Throws<SshConfigException>(() => SshConfig.Resolve("h", Options(Write("g.conf", $"Include {inc}\n"))));
    }

    [Fact]
    public void Files_owned_by_another_user_are_refused()
    {
        string user = Write(".ssh/config", "Port 1\n");
        Assert.Equal(1, SshConfig.Resolve("h", Options()).Port);
        // Giving the file away needs root (test.sh runs the tests as root); anywhere else the test fails, never passes unchecked.
        Assert.False(OperatingSystem.IsWindows(), "file owners are only checked on Linux and macOS: run this test there");
        Assert.True(new ResolveOptions().LocalUserId == "0",
            $"this test gives a file to uid 65534 with chown, which needs root, but it runs as uid {new ResolveOptions().LocalUserId}: run the unit tests as root (test.sh does)");
        using (var chown = System.Diagnostics.Process.Start("chown", ["65534", user]))
        {
            chown.WaitForExit();
            Assert.Equal(0, chown.ExitCode);
        }
        var e = Assert.Throws<SshConfigException>(() => SshConfig.Resolve("h", Options()));
        Assert.Equal($"Bad owner or permissions on {user}", e.Message);
        // Given with -F, the same file is read: OpenSSH checks only ~/.ssh/config.
        Assert.Equal(1, SshConfig.Resolve("h", Options(user)).Port);
    }

    [Fact]
    public void Overlong_lines_are_refused()
    {
        var e = Assert.Throws<SshConfigException>(() => Resolve("h", "User " + new string('a', ConfigReader.MaxLineChars + 10) + "\n"));
        Assert.Contains("line 1: line too long", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Typed_values()
    {
        var c = Resolve("h", "ConnectTimeout 1m\nServerAliveInterval 1h30m\nRekeyLimit 1G 2h\nEscapeChar ^A\nEnableEscapeCommandline yes\n" +
            "AddKeysToAgent confirm 5m\nStrictHostKeyChecking accept-new\nRequestTTY force\nAddressFamily inet6\n" +
            "ForwardAgent ~/agent.sock\nLogLevel debug2\nUpdateHostKeys ask\nProxyJump a,b@c:22\n" +
            "DynamicForward 1080\nRemoteForward 9000\nClearAllForwardings no\nCiphers -chacha*\nHostKeyAlgorithms ^ssh-ed25519\n");
        Assert.Equal(TimeSpan.FromMinutes(1), c.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(90), c.ServerAliveInterval);
        Assert.Equal(1L << 30, c.RekeyLimitBytes);
        Assert.Equal(TimeSpan.FromHours(2), c.RekeyLimitTime);
        Assert.Equal(1, c.EscapeChar);
        Assert.True(c.EnableEscapeCommandline);
        Assert.Equal("confirm", c.AddKeysToAgent);
        Assert.Equal(TimeSpan.FromMinutes(5), c.AddKeysToAgentLifetime);
        Assert.Equal(StrictHostKeyChecking.AcceptNew, c.StrictHostKeyChecking);
        Assert.Equal(RequestTty.Force, c.RequestTty);
        Assert.Equal(AddressFamily.Inet6, c.AddressFamily);
        Assert.True(c.ForwardAgent);
        Assert.Equal(Dir + "/agent.sock", c.ForwardAgentSocket);
        Assert.Equal("DEBUG2", c.LogLevel);
        Assert.Equal(UpdateHostKeys.Ask, c.UpdateHostKeys);
        Assert.Equal("a,b@c:22", c.ProxyJump);
        Assert.True(c.DynamicForwards[0].IsSocks);
        Assert.True(c.RemoteForwards[0].IsSocks);
        Assert.DoesNotContain("chacha20-poly1305@openssh.com", c.Ciphers);
        Assert.Equal("ssh-ed25519", c.HostKeyAlgorithms[0]);
        Assert.False(c.HostKeyAlgorithmsIsDefault);
    }

    [Fact]
    public void Fuzzed_config_files_only_ever_raise_SshConfigException()
    {
        var rng = new Random(1234);
        string[] words = ["Host", "Match", "Port", "User", "Include", "=", "\"", "'", "#", "!", "*", "%h", "%", "${", "}", "all",
            "exec", "final", "\\", "IdentityFile", "LocalForward", "[", "]", ":", "SetEnv", "a=b", "yes", "RekeyLimit", "\t", "1G"];
        for (int i = 0; i < 400; i++)
        {
            var sb = new System.Text.StringBuilder();
            int lines = rng.Next(1, 6);
            for (int l = 0; l < lines; l++)
            {
                int n = rng.Next(0, 6);
                for (int w = 0; w < n; w++) sb.Append(words[rng.Next(words.Length)]).Append(rng.Next(3) == 0 ? "" : " ");
                sb.Append('\n');
            }
            try
            {
                var c = Resolve("h", sb.ToString());
                ConfigDump.Write(TextWriter.Null, c);
            }
            catch (SshConfigException)
            {
            }
        }
    }
}
