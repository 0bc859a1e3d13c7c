// The interop suite drives Linux peers (sshd, dropbear, puttygen, Xvfb) and runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
