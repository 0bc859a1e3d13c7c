"""Rows of issue #7 for bench.py: throughput through a -L forward and keystroke round-trip latency.

Both drive a long-running client process (hop ssh or OpenSSH's ssh) against the bench's sshd:

- forward: the client runs `-N -L port:127.0.0.1:target`; this Python pushes bytes into the local
  port and a sink behind the target counts them (upload), or the target sends bytes that this
  Python reads from the local port (download). The target is a forked process of its own. The clock runs from the first byte to the last;
  the client's start-up and connection are not timed.
- keystroke: the client runs in a pseudo-terminal (Python's pty) with `-tt` and the remote
  command `stty raw -echo; cat`, so every byte typed comes straight back from a remote process;
  one byte at a time, spaced out like typing, the time from write to echo is one sample.

CPU (user+sys) of the client during the measurement and its peak RSS come from /proc/<pid>.
"""
import multiprocessing
import os
import pty
import select
import signal
import socket
import statistics
import subprocess
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_rss(pid):
    """(CPU seconds user+sys, peak RSS KiB) of a live process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                rss = int(line.split()[1])
    return cpu, rss


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _listening(port):
    """Whether a socket listens on 127.0.0.1:`port` (or on a wildcard address), read from /proc/net: a
    probe connection would open a channel and, in a download, start a second transfer from the target
    beside the measured one."""
    wanted = {("/proc/net/tcp", f"0100007F:{port:04X}"), ("/proc/net/tcp", f"00000000:{port:04X}"),
              ("/proc/net/tcp6", f"{'0' * 32}:{port:04X}")}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                if (table, fields[1]) in wanted and fields[3] == "0A":
                    return True
    return False


def _wait_port(port, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"client exited {proc.returncode}: {proc.stderr.read().decode(errors='replace')[-300:]}")
        if _listening(port):
            return
        time.sleep(0.05)
    raise RuntimeError(f"forward port {port} never opened")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class _Target:
    """The far end of the forward on 127.0.0.1: a sink that counts (upload) or a source of zeros (download).

    It runs in a process of its own (forked), not in a thread of this one: with the reader or writer of
    the local end in the same Python process, the two shared one interpreter lock, and the handoffs
    capped the forward at ~500-1000 MB/s and favoured clients that write fewer, larger chunks.
    """

    def __init__(self, mode, size):
        self.mode, self.size = mode, size
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        ctx = multiprocessing.get_context("fork")
        self._done = ctx.Event()
        self._received = ctx.Value("q", 0)
        self.proc = ctx.Process(target=self._serve, daemon=True)
        self.proc.start()

    @property
    def received(self):
        return self._received.value

    def wait_done(self, timeout):
        return self._done.wait(timeout)

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        with conn:
            if self.mode == "up":
                buf = bytearray(1 << 20)
                view = memoryview(buf)
                n = 0
                while True:
                    k = conn.recv_into(view)
                    if k == 0:
                        break
                    n += k
                    if n >= self.size:
                        break
                if n >= self.size:
                    self._received.value = n
                    self._done.set()
            else:
                chunk = bytes(1 << 20)
                left = self.size
                try:
                    while left > 0:
                        k = min(left, len(chunk))
                        conn.sendall(chunk[:k] if k < len(chunk) else chunk)
                        left -= k
                    conn.shutdown(socket.SHUT_WR)
                    conn.recv(1)
                except OSError:
                    pass

    def close(self):
        self.sock.close()
        self.proc.terminate()
        self.proc.join(10)


def forward(runner, client_argv, mode, size, sample_cls, log_dir=None):
    """One transfer of `size` bytes through `-N -L`; returns a Sample (value MB/s).

    With `log_dir`, the client runs with -v and its log in a file there (-E; debug1 says nothing per
    packet, so nothing is written while the clock runs): a failed sample quotes the end of it, where
    the client says why the forwarded connection ended."""
    target = _Target(mode, size)
    port = _free_port()
    log = None
    extra = []
    if log_dir is not None:
        log = os.path.join(log_dir, f"forward-{port}.log")
        extra = ["-v", "-E", log]
    argv = client_argv[:-1] + extra + ["-N", "-o", "ExitOnForwardFailure=yes", "-L", f"{port}:127.0.0.1:{target.port}", client_argv[-1]]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    proc.log = log
    try:
        _wait_port(port, proc)
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            cpu0, _ = cpu_rss(proc.pid)
            start = time.perf_counter()
            if mode == "up":
                chunk = bytes(1 << 20)
                left = size
                while left > 0:
                    k = min(left, len(chunk))
                    s.sendall(chunk if k == len(chunk) else chunk[:k])
                    left -= k
                if not target.wait_done(600):
                    raise RuntimeError(f"sink got {target.received} of {size} bytes{_client_said(proc)}")
            else:
                buf = bytearray(1 << 20)
                view = memoryview(buf)
                n = 0
                while n < size:
                    k = s.recv_into(view)
                    if k == 0:
                        raise RuntimeError(f"forward closed after {n} of {size} bytes{_client_said(proc)}")
                    n += k
            wall = time.perf_counter() - start
        cpu, rss = cpu_rss(proc.pid)
        return sample_cls(size / wall / 1e6, wall, cpu - cpu0, rss)
    finally:
        stop(proc)
        target.close()
        if log is not None and os.path.exists(log):
            os.remove(log)


def _client_said(proc):
    """For a failed forward sample: whether the client had exited, and the end of what it wrote to stderr."""
    time.sleep(0.5)
    status = proc.poll()
    if status is None:
        stop(proc)
    text = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
    log = getattr(proc, "log", None)
    if log is not None and os.path.exists(log):
        with open(log, errors="replace") as f:
            text += "\n" + f.read().strip()
    said = " | ".join(text.splitlines()[-4:])
    return f" (client {'still running' if status is None else f'exited {status}'}{'; stderr: ' + said if said else ''})"


def keystroke(runner, client_argv, samples, sample_cls, gap=0.01):
    """Median keystroke round trip (ms) in a PTY session running `stty raw -echo; cat` remotely."""
    argv = client_argv[:-1] + ["-tt", client_argv[-1], "stty raw -echo; echo BENCH''READY; exec cat"]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    try:
        import fcntl
        import struct
        import termios
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        _read_until(fd, b"BENCHREADY", 60)
        time.sleep(0.2)
        _drain(fd)
        times = []
        cpu0, _ = cpu_rss(pid)
        wall0 = time.perf_counter()
        for i in range(samples):
            ch = bytes([ord("a") + i % 26])
            t0 = time.perf_counter()
            os.write(fd, ch)
            got = b""
            while ch not in got:
                r, _, _ = select.select([fd], [], [], 10)
                if not r:
                    raise RuntimeError("no echo within 10 s")
                got += os.read(fd, 1024)
            times.append((time.perf_counter() - t0) * 1000)
            time.sleep(gap)
        wall = time.perf_counter() - wall0
        cpu1, rss = cpu_rss(pid)
        return sample_cls(statistics.median(times), wall, cpu1 - cpu0, rss), times
    finally:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.waitpid(pid, os.WNOHANG)[0] != 0:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)


def _read_until(fd, marker, timeout):
    deadline = time.monotonic() + timeout
    seen = b""
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"no {marker!r} from the session: {seen[-300:]!r}")
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                raise RuntimeError(f"session ended: {seen[-300:]!r}")
    return seen


def _drain(fd):
    while select.select([fd], [], [], 0.05)[0]:
        try:
            if not os.read(fd, 4096):
                return
        except OSError:
            return
