"""Agent rows of the benchmark (issue #5): signatures per second from `hop agent` and OpenSSH's ssh-agent.

Each sample starts a fresh agent in the foreground (`-D -a SOCK`, the socket in the bench's work
directory), loads one key into it with OpenSSH's ssh-add (the same loader for every agent), then this
Python opens one connection to the socket and makes N SSH_AGENTC_SIGN_REQUEST round trips, one at a
time (draft-miller-ssh-agent: uint32 length, byte 13, string key blob, string data, uint32 flags; the
answer must be 14 SSH_AGENT_SIGN_RESPONSE with a signature of the expected algorithm). The data is
what an SSHSIG signature covers, so after the clock stops OpenSSH's `ssh-keygen -Y check-novalidate`
verifies the signature; Ed25519 and RSA PKCS#1 v1.5 signatures are deterministic, so every answer
must equal that one. The clock runs from the first request to the last answer; start-up, ssh-add
and connecting are not timed, and there is no untimed warm-up, so a JIT agent's first signatures
count.

CPU (user+sys) of the agent process during the signatures and its peak RSS come from /proc/<pid>,
as for the forward rows.
"""
import base64
import hashlib
import os
import socket
import struct
import subprocess
import time

import interactive

SIGN_REQUEST = 13
SIGN_RESPONSE = 14
RSA_SHA2_256 = 2


def _string(b):
    return struct.pack(">I", len(b)) + b


class AgentSocket:
    """One connection to an agent's Unix socket, speaking its framing (uint32 length + message)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)

    def request(self, message):
        self.sock.sendall(struct.pack(">I", len(message)) + message)
        (n,) = struct.unpack(">I", self._read(4))
        if n == 0 or n > 256 * 1024:
            raise RuntimeError(f"agent answered with a frame of {n} bytes")
        return self._read(n)

    def _read(self, n):
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self.sock.recv_into(view[got:])
            if k == 0:
                raise RuntimeError("agent closed the connection")
            got += k
        return bytes(buf)

    def close(self):
        self.sock.close()


def public_blob(pub_path):
    with open(pub_path) as f:
        return base64.b64decode(f.read().split()[1])


NAMESPACE = b"hop-bench"


def sshsig_signed_data(text):
    """The bytes an SSHSIG signature covers (OpenSSH's PROTOCOL.sshsig), so ssh-keygen -Y can check the agent's answer."""
    return (b"SSHSIG" + _string(NAMESPACE) + _string(b"") + _string(b"sha512")
            + _string(hashlib.sha512(text).digest()))


def verify_sshsig(work, client, blob, signature, text):
    """Wraps the agent's signature (a length-prefixed string) as an SSHSIG; OpenSSH's ssh-keygen checks it against `text`."""
    body = (b"SSHSIG" + struct.pack(">I", 1) + _string(blob) + _string(NAMESPACE) + _string(b"")
            + _string(b"sha512") + signature)
    b64 = base64.b64encode(body).decode()
    path = os.path.join(work, f"agent-{client}.sig")
    with open(path, "w") as f:
        f.write("-----BEGIN SSH SIGNATURE-----\n")
        f.write("\n".join(b64[i:i + 70] for i in range(0, len(b64), 70)))
        f.write("\n-----END SSH SIGNATURE-----\n")
    p = subprocess.run(["/usr/bin/ssh-keygen", "-Y", "check-novalidate", "-n", NAMESPACE.decode(), "-s", path],
                       input=text, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"ssh-keygen -Y check-novalidate refused the agent's signature: "
                           f"{(p.stdout + p.stderr).decode(errors='replace').strip()[-300:]}")


def agent_argv(a, client, sock):
    exe = {"hop": [a.hop, "agent"], "hop-aot": [a.hop_aot, "agent"], "ssh": ["/usr/bin/ssh-agent"]}[client]
    return exe + ["-D", "-a", sock]


def _wait_socket(path, proc, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"agent exited {proc.returncode}: {_tail(log)}")
        if os.path.exists(path):
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                s.close()
                return
            except OSError:
                pass
        time.sleep(0.02)
    raise RuntimeError(f"agent socket {path} never accepted a connection")


def _tail(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().strip()[-300:]
    except OSError:
        return ""


def sign_sample(a, client, key, sig_alg, flags, count, sample_cls):
    """A fresh agent holding `key`; `count` sign requests on one connection; a Sample in signatures/second."""
    sock = os.path.join(a.work, f"agent-{client}.sock")
    log = os.path.join(a.work, f"agent-{client}.log")
    if os.path.exists(sock):
        os.remove(sock)
    env = dict(os.environ)
    env.pop("SSH_AUTH_SOCK", None)
    with open(log, "wb") as err:
        proc = subprocess.Popen(agent_argv(a, client, sock), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, env=env)
    conn = None
    try:
        _wait_socket(sock, proc, log)
        add = subprocess.run(["/usr/bin/ssh-add", "-q", key], env=dict(env, SSH_AUTH_SOCK=sock),
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        if add.returncode != 0:
            raise RuntimeError(f"ssh-add exited {add.returncode}: {add.stderr.decode(errors='replace').strip()[-300:]}")
        blob = public_blob(key + ".pub")
        text = f"hop bench agent {client} {os.urandom(8).hex()}\n".encode()
        data = sshsig_signed_data(text)
        message = bytes([SIGN_REQUEST]) + _string(blob) + _string(data) + struct.pack(">I", flags)
        expected = _string(sig_alg)
        conn = AgentSocket(sock)
        first = None
        cpu0, _ = interactive.cpu_rss(proc.pid)
        start = time.perf_counter()
        for i in range(count):
            reply = conn.request(message)
            # reply: byte 14, string signature = (string algorithm, string blob). Ed25519 and RSA
            # PKCS#1 v1.5 signatures are deterministic, so every answer must equal the first.
            if reply != first:
                if first is not None:
                    raise RuntimeError(f"sign request {i + 1}: the signature differs from the first")
                if reply[0] != SIGN_RESPONSE:
                    raise RuntimeError(f"sign request {i + 1}: agent answered message type {reply[0]}, not 14")
                if struct.unpack(">I", reply[1:5])[0] != len(reply) - 5 or reply[5:5 + len(expected)] != expected:
                    raise RuntimeError(f"sign request {i + 1}: signature is not {sig_alg.decode()}")
                first = reply
        wall = time.perf_counter() - start
        cpu1, rss = interactive.cpu_rss(proc.pid)
        verify_sshsig(a.work, client, blob, first[1:], text)
        return sample_cls(count / wall, wall, cpu1 - cpu0, rss)
    finally:
        if conn is not None:
            conn.close()
        interactive.stop(proc)
        if os.path.exists(sock):
            os.remove(sock)


def run_agent_rows(a, run_custom_row, clients, quick, sample_cls):
    """Rows `agent sign ed25519` and (full runs) `agent sign rsa-3072`, clients interleaved."""
    keydir = os.path.join(a.work, "agent-keys")
    os.makedirs(keydir, exist_ok=True)
    kinds = [("ed25519", ["-t", "ed25519"], b"ssh-ed25519", 0, 200 if quick else 2000)]
    if not quick:
        kinds.append(("rsa-3072 rsa-sha2-256", ["-t", "rsa", "-b", "3072"], b"rsa-sha2-256", RSA_SHA2_256, 500))
    for label, targs, sig_alg, flags, count in kinds:
        key = os.path.join(keydir, label.split()[0])
        subprocess.run(["/usr/bin/ssh-keygen", "-q"] + targs + ["-N", "", "-C", "bench-agent", "-f", key],
                       check=True, stdin=subprocess.DEVNULL)
        run_custom_row(f"agent sign {label} (x{count}, one connection)", "sig/s", "higher", clients,
                       lambda c, key=key, sig_alg=sig_alg, flags=flags, count=count:
                           sign_sample(a, c, key, sig_alg, flags, count, sample_cls),
                       group="agent", ops=count)
