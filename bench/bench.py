"""Driver of bench/bench.sh: runs every client side by side, interleaved, and writes the report.

Started by bench.sh with the sshd already running; stdlib only. Each client runs as its own process,
measured under GNU time (wall clock from the parent, CPU user+sys and peak RSS of the client itself).
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time

import bench_agent
import bench_sftp
import interactive
import report

GIB = 1 << 30
MIB = 1 << 20


def cpu_idle_share(window):
    """The share of all CPUs' time that was idle (idle + iowait in /proc/stat) over `window` seconds."""
    def sample():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
        return sum(fields), fields[3] + fields[4]
    total0, idle0 = sample()
    time.sleep(window)
    total1, idle1 = sample()
    return (idle1 - idle0) / (total1 - total0) if total1 > total0 else 1.0


def settle(max_wait=5.0, window=0.25, idle_share=0.9):
    """Waits until the machine is idle again before the next sample (the issue's bench hygiene): the
    previous client's sshd session ending, the kernel writing back a 1 GiB file, a neighbour's burst.
    True when idle within max_wait seconds, False when the sample starts on a busy machine anyway."""
    deadline = time.monotonic() + max_wait
    time.sleep(0.1)
    while time.monotonic() < deadline:
        if cpu_idle_share(window) >= idle_share:
            return True
    return False


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--sshd-pid", type=int, default=0, help="the bench sshd's listener, whose reaped children give the server side's CPU")
    p.add_argument("--key", required=True)
    p.add_argument("--known-hosts", required=True)
    p.add_argument("--hop", required=True)
    p.add_argument("--hop-kind", default="jit", choices=["jit", "r2r"], help="what --hop is: the plain build, or the tool's ReadyToRun publish")
    p.add_argument("--hop-aot", default="")
    p.add_argument("--hoplib", required=True)
    p.add_argument("--sshnet", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--ciphers", default="", help="comma-separated subset of the bulk ciphers")
    p.add_argument("--only", default="", help="comma-separated row groups to run: connect, fleet, keys, bulk, forward, keystroke, agent, sftp")
    return p.parse_args()


class Sample:
    def __init__(self, value, wall, cpu, rss_kb):
        self.value, self.wall, self.cpu, self.rss_kb = value, wall, cpu, rss_kb
        self.server_cpu = None


class ServerCpu:
    """CPU seconds (user+sys) of the bench sshd's connections and the commands they ran: the
    listener's own and its reaped children's times (/proc/PID/stat utime..cstime). A connection
    counts once it has ended and been reaped, so `measured` waits for the listener to have no child."""

    def __init__(self, pid):
        self.pid = pid

    def _total(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def measured(self, take):
        """take() -> Sample, with the server side's CPU during it as its server_cpu (None without a pid)."""
        start = self._total() if self.pid else None
        sample = take()
        sample.server_cpu = self._after(start)
        return sample

    def _after(self, start, timeout=5.0):
        if start is None:
            return None
        deadline = time.monotonic() + timeout
        children = f"/proc/{self.pid}/task/{self.pid}/children"
        while time.monotonic() < deadline:
            with open(children) as f:
                if not f.read().strip():
                    return self._total() - start
            time.sleep(0.02)
        return None


class Runner:
    def __init__(self, args):
        self.a = args
        self.host = "127.0.0.1"
        self.failures = []

    # -- one measured process -------------------------------------------------------------------
    def measure(self, argv, stdin_bytes=None, timeout=600, capture=False):
        """Runs argv under GNU time; returns (wall s, cpu s, peak RSS KiB, stdout text or None).

        GNU time (a small C program) is the parent, not this Python: Linux carries the parent's RSS
        high-water mark across fork+exec into ru_maxrss, which would floor every figure at Python's size.
        """
        feeder = None
        stdin = subprocess.DEVNULL
        if stdin_bytes is not None:
            feeder = subprocess.Popen(["head", "-c", str(stdin_bytes), "/dev/zero"], stdout=subprocess.PIPE)
            stdin = feeder.stdout
        usage_file = os.path.join(self.a.work, "usage")
        out = subprocess.PIPE if capture else subprocess.DEVNULL
        start = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%U %S %M", "-o", usage_file] + argv,
                                stdin=stdin, stdout=out, stderr=subprocess.PIPE)
        if feeder is not None:
            feeder.stdout.close()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            text, err = proc.communicate()
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        if feeder is not None:
            feeder.wait()
        if proc.returncode != 0:
            raise RuntimeError(f"{os.path.basename(argv[0])} exited {proc.returncode}: "
                               f"{err.decode(errors='replace').strip()[-300:]}")
        with open(usage_file) as f:
            user, system, rss = f.read().split()[-3:]
        return wall, float(user) + float(system), int(rss), text.decode(errors="replace") if capture else None

    # -- argv of each client --------------------------------------------------------------------
    def ssh_args(self, cipher, mac, kex):
        a = ["-F", "/dev/null", "-p", str(self.a.port), "-i", self.a.key,
             "-o", "UserKnownHostsFile=" + self.a.known_hosts, "-o", "GlobalKnownHostsFile=/dev/null",
             "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
             "-o", "KexAlgorithms=" + kex, "-c", cipher]
        if mac != "-":
            a += ["-m", mac]
        return a + ["-l", self.a.user, self.host]

    def lib_args(self, cipher, mac, kex):
        return [self.host, str(self.a.port), self.a.user, self.a.key, cipher, mac, kex]

    def argv(self, client, job, cipher, mac, kex, arg=None):
        """job: down | up | true | many."""
        remote = {"down": f"head -c {arg} /dev/zero", "up": "cat > /dev/null", "true": "true"}.get(job)
        if client == "ssh":
            return ["/usr/bin/ssh"] + self.ssh_args(cipher, mac, kex) + [remote]
        if client == "hop":
            return [self.a.hop, "ssh"] + self.ssh_args(cipher, mac, kex) + [remote]
        if client == "hop-aot":
            return [self.a.hop_aot, "ssh"] + self.ssh_args(cipher, mac, kex) + [remote]
        tail = self.lib_args(cipher, mac, kex)
        if client == "sshnet":
            extra = [] if job in ("up", "true") else [str(arg)]
            return [self.a.sshnet, job] + tail + extra
        if client == "hoplib":
            extra = [] if job == "true" else [str(arg)]
            return [self.a.hoplib, job] + tail + extra
        raise ValueError(client)

    def session_argv(self, client, cipher="aes128-gcm@openssh.com", mac="-", kex="curve25519-sha256"):
        """A CLI client's argv up to the destination (the last element), for long-running sessions."""
        exe = {"ssh": ["/usr/bin/ssh"], "hop": [self.a.hop, "ssh"], "hop-aot": [self.a.hop_aot, "ssh"]}[client]
        return exe + self.ssh_args(cipher, mac, kex)


def main():
    a = parse_args()
    r = Runner(a)
    server = ServerCpu(a.sshd_pid)
    quick = a.quick
    rounds = 1 if quick else a.rounds
    size = 8 * MIB if quick else GIB
    ciphers = [("aes128-gcm@openssh.com", "-")] if quick else [
        ("aes128-gcm@openssh.com", "-"),
        ("aes256-gcm@openssh.com", "-"),
        ("chacha20-poly1305@openssh.com", "-"),
        ("aes128-ctr", "hmac-sha2-256-etm@openssh.com"),
    ]
    if a.ciphers:
        wanted = a.ciphers.split(",")
        ciphers = [(c, m) for c, m in ciphers if c in wanted or c.replace("@openssh.com", "") in wanted]
    kexes = ["curve25519-sha256"] if quick else ["curve25519-sha256", "sntrup761x25519-sha512@openssh.com"]
    kex0 = "curve25519-sha256"
    cli = ["hop"] + (["hop-aot"] if a.hop_aot else []) + ["ssh", "sshnet"]
    many_count = 5 if quick else 50
    connect_per_round = 1 if quick else 4

    rows = []  # each: dict(name, unit, better, clients -> [Sample])
    notes = []
    meta = machine_facts(a, rounds, size, many_count, connect_per_round)
    load_before = meta["load"]
    if os.getloadavg()[0] > 1.5 * (os.cpu_count() or 1):
        notes.append(f"The machine was busy when this run started (load {load_before} on {os.cpu_count()} cores): "
                     "wall-clock figures (MB/s, sig/s, ms) are depressed and noisy; CPU seconds and RSS are the steadier figures.")
    stamp = meta["date"].replace(":", "").replace(" ", "-")
    os.makedirs(a.out, exist_ok=True)
    busy_starts = [0]  # samples that began while the machine was still busy after settle()'s wait

    def write_report(final):
        meta["load"] = f"{load_before} at the start" + (f", {current_load()} at the end" if final else " (run in progress)")
        md = report.markdown(rows, meta, notes, r.failures)
        for name in (["latest.md"] if quick else [f"RESULTS-{stamp}.md", "latest.md"]):
            with open(os.path.join(a.out, name), "w") as f:
                f.write(md)
        with open(os.path.join(a.out, "latest.svg"), "w") as f:
            f.write(report.svg(rows, meta))
        return md

    only = set(a.only.split(",")) if a.only else None

    def wanted(group):
        return only is None or group in only

    def turned(clients, turn):
        """The clients in this turn's order, A B C, then B C A, then C A B ...: interleaved, and no client
        always first, or always right after the JIT build's heavy start (its aftermath slowed the next process)."""
        k = turn % len(clients)
        return clients[k:] + clients[:k]

    def run_custom_row(name, unit, better, clients, measure_one, group, nbytes=0, ops=0):
        """A row whose samples come from measure_one(client) -> Sample (long-running clients).

        ops: operations per sample (the CPU table then shows CPU per operation)."""
        row = {"name": name, "unit": unit, "better": better, "group": group, "bytes": nbytes, "ops": ops,
               "samples": {c: [] for c in clients}, "errors": {}}
        rows.append(row)
        print(f"-- {name}", flush=True)
        for turn in range(rounds):
            for c in turned(clients, turn):
                if c in row["errors"]:
                    continue
                try:
                    row["samples"][c].append(server.measured(lambda: measure_one(c)))
                except Exception as e:
                    row["errors"][c] = str(e)
                    r.failures.append(f"{name} / {c}: {e}")
                    print(f"   {c}: FAILED {e}", flush=True)
                busy_starts[0] += not settle()
        write_report(False)
        for c in clients:
            s = row["samples"][c]
            if s:
                print(f"   {c:8s} {statistics.median(x.value for x in s):10.2f} {unit}  "
                      f"cpu {statistics.median(x.cpu for x in s):.2f}s  rss {statistics.median(x.rss_kb for x in s)/1024:.0f}MB",
                      flush=True)
        return row

    def run_row(name, unit, better, clients, make, value_of, reps=1, group="", capture=False, nbytes=0):
        if not wanted(group):
            return None
        row = {"name": name, "unit": unit, "better": better, "group": group, "bytes": nbytes,
               "samples": {c: [] for c in clients}, "errors": {}}
        rows.append(row)
        print(f"-- {name}", flush=True)
        turn = 0
        for _ in range(rounds):
            for _ in range(reps):
                turn += 1
                for c in turned(clients, turn):
                    if c in row["errors"]:
                        continue
                    try:
                        argv, stdin_bytes = make(c)

                        def take():
                            wall, cpu, rss, text = r.measure(argv, stdin_bytes=stdin_bytes, capture=capture)
                            return Sample(value_of(c, wall, text), wall, cpu, rss)
                        row["samples"][c].append(server.measured(take))
                    except Exception as e:  # a client that fails is reported, never silently dropped
                        row["errors"][c] = str(e)
                        r.failures.append(f"{name} / {c}: {e}")
                        print(f"   {c}: FAILED {e}", flush=True)
                    busy_starts[0] += not settle()
        write_report(False)
        for c in clients:
            s = row["samples"][c]
            if s:
                print(f"   {c:8s} {statistics.median(x.value for x in s):10.1f} {unit}  "
                      f"cpu {statistics.median(x.cpu for x in s):.2f}s  rss {statistics.median(x.rss_kb for x in s)/1024:.0f}MB",
                      flush=True)
        return row

    # Start-up alone: `ssh -V`, which prints the version and exits without a connection.
    def make_version(c):
        exe = {"hop": [a.hop, "ssh"], "hop-aot": [a.hop_aot, "ssh"], "ssh": ["/usr/bin/ssh"]}[c]
        return exe + ["-V"], None
    run_row("start-up: `ssh -V` (no connection)", "ms", "lower", [c for c in cli if c != "sshnet"], make_version,
            lambda c, wall, text: wall * 1000, reps=connect_per_round, group="connect")

    # Connect + key exchange + publickey auth + `true`, one process per connection.
    for kex in kexes:
        def make(c, kex=kex):
            return r.argv(c, "true", "aes128-gcm@openssh.com", "-", kex), None
        run_row(f"connect+auth+true {kex.replace('@openssh.com', '')}", "ms", "lower", cli, make,
                lambda c, wall, text: wall * 1000, reps=connect_per_round, group="connect")

    # One open connection, a new channel per command (libraries).
    def make_many(c):
        return r.argv(c, "many", "aes128-gcm@openssh.com", "-", kex0, many_count), None

    def per_command(c, wall, text):
        m = re.search(r"per-command-ms ([0-9.]+)", text or "")
        if not m:
            raise RuntimeError("no per-command-ms in output")
        return float(m.group(1))
    run_row(f"channel+exec `true` on one open connection (x{many_count})", "ms", "lower",
            ["hoplib", "sshnet"], make_many, per_command, group="connect", capture=True)

    # `true` through a ControlMaster: OpenSSH's ssh as the master on the bench's sshd, each client as its
    # mux client (ssh -S / hop ssh -S): start-up, the control socket, descriptor passing and a channel.
    if wanted("connect"):
        mux_sock = os.path.join(a.work, "mux.sock")
        base = r.ssh_args("aes128-gcm@openssh.com", "-", kex0)
        master = subprocess.Popen(["/usr/bin/ssh"] + base[:-3] + ["-M", "-S", mux_sock, "-N"] + base[-3:],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while subprocess.run(["/usr/bin/ssh", "-F", "/dev/null", "-S", mux_sock, "-O", "check", "mux-host"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
                if master.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the OpenSSH ControlMaster for the mux row did not start")
                time.sleep(0.05)

            def make_mux(c):
                exe = {"hop": [a.hop, "ssh"], "hop-aot": [a.hop_aot, "ssh"], "ssh": ["/usr/bin/ssh"]}[c]
                return exe + ["-F", "/dev/null", "-S", mux_sock, "mux-host", "true"], None
            notes.append("ControlMaster row: OpenSSH's `ssh -M -N` holds one connection to the bench's sshd; each sample "
                         "is one client process (`ssh -S` or `hop ssh -S`) running `true` through it.")
            run_row("`true` through a ControlMaster (-S, OpenSSH's master)", "ms", "lower", [c for c in cli if c != "sshnet"],
                    make_mux, lambda c, wall, text: wall * 1000, reps=connect_per_round, group="connect")
        finally:
            subprocess.run(["/usr/bin/ssh", "-F", "/dev/null", "-S", mux_sock, "-O", "exit", "mux-host"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                master.wait(timeout=10)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait()

    # Many hosts at once: `hop run` (one process) vs parallel-ssh (pssh, an OpenSSH ssh per host), the
    # same sshd reached as N hosts, all N at once (-p N).
    if wanted("fleet"):
        fleet = 5 if quick else 50
        hosts_file = os.path.join(a.work, "fleet-hosts")
        with open(hosts_file, "w") as f:
            f.write("".join(f"{r.host}:{a.port}\n" for _ in range(fleet)))
        fleet_opts = ["-h", hosts_file, "-p", str(fleet), "-l", a.user, "-x", "-F /dev/null"]
        for opt in ("IdentityFile=" + a.key, "UserKnownHostsFile=" + a.known_hosts, "GlobalKnownHostsFile=/dev/null",
                    "StrictHostKeyChecking=yes", "BatchMode=yes", "IdentitiesOnly=yes", "KexAlgorithms=" + kex0,
                    "Ciphers=aes128-gcm@openssh.com"):
            fleet_opts += ["-O", opt]

        def make_fleet(c):
            exe = {"hop": [a.hop, "run"], "hop-aot": [a.hop_aot, "run"], "ssh": ["/usr/bin/parallel-ssh"]}[c]
            return exe + fleet_opts + ["true"], None

        def fleet_ms(c, wall, text):
            done = len(re.findall(r"\[SUCCESS\]", text or ""))
            if done != fleet:
                raise RuntimeError(f"{done} of {fleet} hosts reported SUCCESS")
            return wall * 1000
        notes.append(f"Fleet row: `hop run` beside parallel-ssh 2.3 (the OpenSSH column: pssh, which starts an OpenSSH `ssh` "
                     f"per host), both with `-p {fleet}` on a hosts file naming the bench's sshd {fleet} times; CPU counts "
                     "parallel-ssh's ssh processes too.")
        run_row(f"run `true` on {fleet} hosts at once (hop run / parallel-ssh)", "ms", "lower",
                [c for c in cli if c != "sshnet"], make_fleet, fleet_ms, group="fleet", capture=True)

    # Key generation and decryption.
    keydir = os.path.join(a.work, "keys")
    os.makedirs(keydir, exist_ok=True)
    kinds = [("ed25519", ["-t", "ed25519"])]
    if not quick:
        kinds += [("ecdsa-256", ["-t", "ecdsa", "-b", "256"]), ("rsa-3072", ["-t", "rsa", "-b", "3072"])]
        notes.append("keygen rsa: `hop keygen` runs one prime search per core (at most four) and keeps the first key "
                     "found, so its CPU seconds count every search; `ssh-keygen` runs one.")
    for kind, targs in kinds:
        def make(c, targs=targs, kind=kind):
            path = os.path.join(keydir, f"{c}-{kind}")
            for f in (path, path + ".pub"):
                if os.path.exists(f):
                    os.remove(f)
            tool = [a.hop, "keygen"] if c == "hop" else [a.hop_aot, "keygen"] if c == "hop-aot" else ["/usr/bin/ssh-keygen"]
            return tool + ["-q"] + targs + ["-N", "", "-C", "bench", "-f", path], None
        run_row(f"keygen {kind}", "ms", "lower", [c for c in cli if c != "sshnet"], make,
                lambda c, wall, text: wall * 1000, reps=1 if quick else 8 if kind.startswith("rsa") else 5, group="keys")

    enc = os.path.join(keydir, "encrypted")
    for f in (enc, enc + ".pub"):
        if os.path.exists(f):
            os.remove(f)
    subprocess.run(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-a", "24", "-N", "pass", "-C", "bench", "-f", enc], check=True)

    def make_dec(c):
        if c == "sshnet":
            return [a.sshnet, "decrypt", enc, "pass"], None
        tool = [a.hop, "keygen"] if c == "hop" else [a.hop_aot, "keygen"] if c == "hop-aot" else ["/usr/bin/ssh-keygen"]
        return tool + ["-y", "-P", "pass", "-f", enc], None
    run_row("decrypt ed25519 key, 24 bcrypt rounds (-y -P)", "ms", "lower", cli, make_dec,
            lambda c, wall, text: wall * 1000, reps=1, group="keys")

    # Bulk transfers: the CLI clients write to /dev/null (download) or read 1 GiB from /dev/zero (upload).
    for cipher, mac in ciphers:
        label = cipher.replace("@openssh.com", "") + ("" if mac == "-" else " + " + mac.replace("@openssh.com", ""))
        for job in ("down", "up"):
            clients = cli + (["hoplib"] if not quick or job == "down" else [])

            def make(c, job=job, cipher=cipher, mac=mac):
                if job == "down":
                    return r.argv(c, "down", cipher, mac, kex0, size), None
                if c == "hoplib":  # in-process: sends zeros from memory
                    return r.argv(c, "up", cipher, mac, kex0, size), None
                return r.argv(c, "up", cipher, mac, kex0), size

            run_row(f"{'download' if job == 'down' else 'upload'} {label}", "MB/s", "higher", clients, make,
                    lambda c, wall, text: size / wall / 1e6, group="bulk", nbytes=size)

    # Issue #7: a -L forward (bytes pushed through it either way) and keystroke round trips in a PTY session.
    session_clients = [c for c in cli if c != "sshnet"]
    fwd_size = 8 * MIB if quick else GIB
    if wanted("forward") or wanted("keystroke"):
        notes.append("Issue #7 rows: `-N -L` forward = a long-running client per sample, timed from the first byte into the "
                     "forwarded port to the last byte out of the target on 127.0.0.1 (start-up not timed; every client with `-v -E log`, "
                     "which logs nothing per packet, so that a failed sample can say why it ended); keystroke = the client "
                     "in a Python pty with `-tt` running `stty raw -echo; cat`, one byte written every 10 ms, time to its echo, "
                     "median per run (CPU = the client's during the transfer or the samples, not its start-up).")
    if wanted("forward"):
        for job, label in (("up", "local → target"), ("down", "target → local")):
            run_custom_row(f"-N -L forward {fwd_size // MIB} MiB, {label}", "MB/s", "higher", session_clients,
                           lambda c, job=job: interactive.forward(r, r.session_argv(c), job, fwd_size, Sample, log_dir=a.work),
                           group="bulk", nbytes=fwd_size)
    if wanted("keystroke"):
        keys = 20 if quick else 200

        def one_keystroke_run(c):
            sample, _ = interactive.keystroke(r, r.session_argv(c), keys, Sample)
            return sample
        run_custom_row(f"keystroke round trip, PTY `cat` (median of {keys})", "ms", "lower", session_clients,
                       one_keystroke_run, group="keystroke")

    # Issue #5: signatures per second from a fresh agent, hop agent vs OpenSSH's ssh-agent.
    if wanted("agent"):
        agent_clients = [c for c in cli if c in ("hop", "hop-aot", "ssh")]
        notes.append("Agent rows: each sample starts a fresh agent (`hop agent -D -a SOCK`; the OpenSSH column is "
                     "`ssh-agent -D -a SOCK`), loads the key with OpenSSH's `ssh-add` for every agent, "
                     "then one Python client (bench/bench_agent.py) on one connection sends the sign requests one at a time "
                     "and checks each answer is SSH_AGENT_SIGN_RESPONSE with the expected signature algorithm and equal to the "
                     "first (the signatures are deterministic), which OpenSSH's `ssh-keygen -Y check-novalidate` verifies "
                     "after the clock stops (the signed data is an SSHSIG's); timed from the "
                     "first request to the last answer, no untimed warm-up (a JIT agent's first signatures count). "
                     "CPU and RSS are the agent's (CPU per signature during the timed part; peak RSS of the process).")
        bench_agent.run_agent_rows(a, run_custom_row, agent_clients, quick, Sample)

    # SFTP: whole files and many small files, hop sftp vs OpenSSH sftp -b vs SSH.NET's SftpClient.
    if wanted("sftp"):
        bench_sftp.run_sftp_rows(r, run_row, cli, quick, kex0)

    notes.append("Before every sample the bench waits (up to 5 s) until the CPUs have been at least 90 % idle for "
                 f"a quarter of a second; {busy_starts[0]} sample(s) of this run began without that.")
    md = write_report(True)
    if not quick and os.path.abspath(a.out) == os.path.join(ROOT, "bench", "results"):
        update_readme(md)
    print(md)
    if r.failures:
        print(f"bench: {len(r.failures)} measurement(s) failed", file=sys.stderr)
        return 1
    return 0


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def update_readme(md):
    """Puts the first table of the report, with its header lines, between the README's bench-latest markers."""
    path = os.path.join(ROOT, "README.md")
    with open(path) as f:
        text = f.read()
    m = re.search(r"(<!-- bench-latest[^>]*-->\n)(.*?)(<!-- /bench-latest -->)", text, re.S)
    if not m:
        return
    lines = md.splitlines()
    head = [l for l in lines[:8] if l.startswith("- CPU") or l.startswith("- Peers") or l.startswith("- Figures")]
    table = []
    for l in lines:
        if l.startswith("|"):
            table.append(l)
        elif table:
            break
    body = ("Latest full run ([bench/results/latest.md](bench/results/latest.md), chart "
            "[latest.svg](bench/results/latest.svg); CPU seconds and peak RSS per client are in the report):\n\n"
            + "\n".join(head) + "\n\n" + "\n".join(table) + "\n\n")
    text = text[:m.start(2)] + body + text[m.end(2):]
    with open(path, "w") as f:
        f.write(text)


def current_load():
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_facts(a, rounds, size, many_count, connect_per_round):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def version(argv):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
            return (p.stdout + p.stderr).strip().splitlines()[0]
        except Exception:
            return "?"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "load": current_load(),
        "openssh": version(["/usr/bin/ssh", "-V"]),
        "dotnet": version(["dotnet", "--version"]),
        "hop_kind": a.hop_kind,
        "rounds": rounds,
        "size": size,
        "many": many_count,
        "connect_reps": connect_per_round,
        "aot": bool(a.hop_aot),
        "quick": a.quick,
    }


if __name__ == "__main__":
    sys.exit(main())
