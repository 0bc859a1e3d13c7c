"""SFTP rows of the benchmark: 1 GiB download and upload, and a directory of small files each way.

Hop runs `hop sftp -b`, OpenSSH runs `sftp -b` (its row is the "OpenSSH" column), SSH.NET runs its
SftpClient through bench/SshNetBench. The server side is the bench's sshd (internal-sftp) on the same
machine, so every client writes a real file into the work directory; targets are removed between runs.
"""
import os
import shutil

GIB = 1 << 30
MIB = 1 << 20


def prepare(work, size, files):
    root = os.path.join(work, "sftp")
    os.makedirs(root, exist_ok=True)
    big = os.path.join(root, "big")
    with open(big, "wb") as f:
        chunk = os.urandom(MIB)
        for _ in range(size // MIB):
            f.write(chunk)
    small = os.path.join(root, "small")
    os.makedirs(small, exist_ok=True)
    for i in range(files):
        with open(os.path.join(small, f"f{i:05d}"), "wb") as f:
            f.write(os.urandom(1024 + (i * 37) % 7168))
    os.chmod(root, 0o777)
    return root, big, small


def remove(path):
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.exists(path):
        os.remove(path)


def sftp_args(r, kex):
    a = r.a
    return ["-F", "/dev/null", "-P", str(a.port), "-i", a.key,
            "-o", "UserKnownHostsFile=" + a.known_hosts, "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
            "-o", "KexAlgorithms=" + kex, "-c", "aes128-gcm@openssh.com"]


def run_sftp_rows(r, run_row, clients, quick, kex):
    a = r.a
    size = 8 * MIB if quick else GIB
    files = 50 if quick else 2000
    root, big, small = prepare(a.work, size, files)
    out = os.path.join(root, "out")
    batch = os.path.join(root, "batch")
    sftp_clients = [c for c in clients if c in ("hop", "hop-aot", "ssh", "sshnet")]
    dest = f"{a.user}@127.0.0.1"

    def make_for(job):
        def make(c):
            remove(out)
            if job == "down":
                src, dst, cmd = big, out, "get"
            elif job == "up":
                src, dst, cmd = big, out, "put"
            elif job == "getdir":
                src, dst, cmd = small, out, "get -r"
            else:
                src, dst, cmd = small, out, "put -r"
            if c == "sshnet":
                return [a.sshnet, "sftp-" + job, "127.0.0.1", str(a.port), a.user, a.key,
                        "aes128-gcm@openssh.com", "-", kex, src, dst], None
            with open(batch, "w") as f:
                f.write(f"{cmd} {src} {dst}\n")
            tool = {"hop": [a.hop, "sftp"], "hop-aot": [a.hop_aot, "sftp"], "ssh": ["/usr/bin/sftp"]}[c]
            return tool + sftp_args(r, kex) + ["-b", batch, dest], None
        return make

    label = "8 MiB" if quick else "1 GiB"
    for job, name in (("down", f"sftp download {label}"), ("up", f"sftp upload {label}")):
        run_row(name, "MB/s", "higher", sftp_clients, make_for(job),
                lambda c, wall, text: size / wall / 1e6, group="sftp", nbytes=size)
    for job, name in (("getdir", f"sftp get -r {files} small files"), ("putdir", f"sftp put -r {files} small files")):
        run_row(name, "s", "lower", sftp_clients, make_for(job),
                lambda c, wall, text: wall, group="sftp")
    remove(root)
