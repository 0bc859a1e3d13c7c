"""Markdown table and SVG chart of a bench run (stdlib only; the SVG is written as text)."""
import math
import statistics
from xml.sax.saxutils import escape

NAMES = {"hop": "Hop JIT", "hop-aot": "Hop AOT", "hoplib": "Hop.Ssh lib", "ssh": "OpenSSH", "sshnet": "SSH.NET"}
ORDER = ["hop", "hop-aot", "hoplib", "ssh", "sshnet"]
GIB = 1 << 30


def med(row, c, attr="value"):
    s = row["samples"].get(c) or []
    return statistics.median(getattr(x, attr) for x in s) if s else None


def primary(row):
    return "hop" if row["samples"].get("hop") else "hoplib"


def ratio(row, a, b):
    x, y = med(row, a), med(row, b)
    if not x or not y:
        return None
    return x / y


def ahead(row, r):
    """True when the ratio puts Hop ahead (higher MB/s or sig/s, or fewer ms)."""
    return r >= 1.0 if row["better"] == "higher" else r <= 1.0


def paired_wins(row, a, b):
    """(wins, pairs): how many of a's samples beat the b sample taken next to it (the same round and rep:
    clients are interleaved, so a pair shares the machine's state of that moment); None without both."""
    sa, sb = row["samples"].get(a) or [], row["samples"].get(b) or []
    if a in row["errors"] or b in row["errors"] or not sa or not sb:
        return None
    pairs = list(zip(sa, sb))
    higher = row["better"] == "higher"
    return sum(1 for x, y in pairs if (x.value > y.value if higher else x.value < y.value)), len(pairs)


def fmt_wins(w):
    return "" if w is None else f"{w[0]}/{w[1]}"


def fmt_ratio(row, r):
    if r is None:
        return "–"
    return f"**{r:.2f}**" if ahead(row, r) else f"{r:.2f}"


def cell(row, c):
    if c not in row["samples"]:
        return ""
    if c in row["errors"]:
        return "failed"
    s = [x.value for x in row["samples"][c]]
    if not s:
        return "–"
    m = statistics.median(s)
    digits = 0 if m >= 100 else 1 if m >= 10 else 2
    if len(s) == 1:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ({min(s):.{digits}f}–{max(s):.{digits}f})"


def comparisons(row):
    p = primary(row)
    pairs = [(p, "ssh", f"{NAMES[p]}/OpenSSH"), ("hop-aot", "ssh", "Hop AOT/OpenSSH"),
             (p, "sshnet", f"{NAMES[p]}/SSH.NET"), ("hop-aot", "sshnet", "Hop AOT/SSH.NET")]
    if p != "hoplib":
        # Library against library: both in process, both through their public API.
        pairs.append(("hoplib", "sshnet", "Hop.Ssh lib/SSH.NET"))
    return [(a, b, label) for a, b, label in pairs if a in row["samples"] and b in row["samples"]]


def markdown(rows, meta, notes, failures):
    clients = [c for c in ORDER if any(c in r["samples"] for r in rows)]
    out = []
    out.append(f"# Hop benchmark{' (quick smoke run)' if meta['quick'] else ''} — {meta['date']}\n")
    out.append(f"- CPU: {meta['cpu']} ({meta['cores']} cores), Linux {meta['kernel']}; load average (1/5/15 min) {meta['load']}")
    out.append(f"- Peers: {meta['openssh']}; SSH.NET 2026.0.0; .NET SDK {meta['dotnet']}; "
               f"sshd on 127.0.0.1 (same sshd for every client)")
    out.append(f"- {meta['rounds']} round(s), clients interleaved, the order turning each time (A B C, B C A, C A B …); bulk transfers of "
               f"{meta['size'] // (1 << 20)} MiB over an exec channel (`head -c` down, `cat > /dev/null` up); "
               f"KEX curve25519-sha256 unless named; connect rows take {meta['connect_reps']} sample(s) per round; "
               f"MB = 10^6 bytes")
    out.append("- Figures: median (min–max). Ratios are Hop ÷ other on medians; **bold** where Hop is ahead "
               "(MB/s, sig/s: higher is better; ms, s: lower is better).")
    hop_is = ("the `hop` CLI on the .NET runtime, framework-dependent and precompiled (ReadyToRun for linux-x64), "
              "as the tool's packages are for platforms without a NativeAOT one"
              if meta.get("hop_kind") == "r2r" else "the Release (JIT) build of the `hop` CLI")
    out.append(f"- Hop JIT = {hop_is}; Hop AOT = the NativeAOT binary, which `dotnet tool install` installs on "
               "linux-x64; Hop.Ssh lib = "
               "bench/HopBench (in-process: download bytes dropped in memory, upload sent from memory; commands "
               "through SshConnection.RunCommandAsync); SSH.NET = bench/SshNetBench (commands through "
               "SshClient.RunCommand).")
    wins = {id(r): paired_wins(r, "hop-aot", "ssh") for r in rows}
    win_header = ["AOT beat OpenSSH"] if any(w is not None for w in wins.values()) else []
    if win_header:
        out.append("- AOT beat OpenSSH = in how many pairs of samples taken one after the other (same round) the Hop "
                   "AOT sample was the better one: a median ratio near 1.00 with 2 of 5 is a draw, one with 0 of 5 a "
                   "real deficit.")
    out.append("")
    header = ["row", "unit"] + [NAMES[c] for c in clients]
    labels = []
    for r in rows:
        for _, _, label in comparisons(r):
            if label not in labels:
                labels.append(label)
    out.append("| " + " | ".join(header + labels + win_header) + " |")
    out.append("|" + "---|" * (len(header) + len(labels) + len(win_header)))
    for r in rows:
        comps = {label: (a, b) for a, b, label in comparisons(r)}
        cells = [r["name"], r["unit"]] + [cell(r, c) for c in clients]
        cells += [fmt_ratio(r, ratio(r, *comps[l])) if l in comps else "" for l in labels]
        if win_header:
            cells.append(fmt_wins(wins[id(r)]))
        out.append("| " + " | ".join(cells) + " |")

    out.append("\n## CPU (user+sys) and peak RSS of the measured process (the client; the agent in agent rows), per process (median CPU, largest RSS)\n")
    out.append("| row | " + " | ".join(f"{NAMES[c]} CPU | {NAMES[c]} RSS MB" for c in clients) + " |")
    out.append("|---|" + "---|---|" * len(clients))
    for r in rows:
        cells = [r["name"]]
        for c in clients:
            s = r["samples"].get(c) or []
            if not s:
                cells += ["", ""]
                continue
            cpu = statistics.median(x.cpu for x in s)
            rss = max(x.rss_kb for x in s) / 1024
            if r.get("bytes"):
                cells.append(f"{cpu / (r['bytes'] / GIB):.2f} s/GiB")
            elif r.get("ops"):
                cells.append(f"{cpu / r['ops'] * 1e6:.0f} µs/op")
            else:
                cells.append(f"{cpu * 1000:.0f} ms")
            cells.append(f"{rss:.0f}")
        out.append("| " + " | ".join(cells) + " |")
    server_rows = [r for r in rows if r.get("bytes") and any(x.server_cpu for c in clients for x in r["samples"].get(c) or [])]
    if server_rows:
        out.append("\n## The server's side: CPU (user+sys) of sshd and the remote command per GiB, and in brackets the cores it kept busy (that CPU ÷ the sample's wall time; near 1.0, one core was saturated and the row measures the server as much as the client)\n")
        out.append("| row | " + " | ".join(NAMES[c] for c in clients) + " |")
        out.append("|---|" + "---|" * len(clients))
        for r in server_rows:
            cells = [r["name"]]
            for c in clients:
                s = [x for x in r["samples"].get(c) or [] if x.server_cpu is not None]
                if not s:
                    cells.append("")
                    continue
                cpu = statistics.median(x.server_cpu for x in s)
                cores = statistics.median(x.server_cpu / x.wall for x in s)
                cells.append(f"{cpu / (r['bytes'] / GIB):.2f} s/GiB ({cores:.2f})")
            out.append("| " + " | ".join(cells) + " |")
    if notes or failures:
        out.append("\n## Notes\n")
        for n in notes:
            out.append(f"- {n}")
        for f in failures:
            out.append(f"- FAILED: {escape(f)}")
    out.append("\nChart of the ratios: [latest.svg](latest.svg).\n")
    return "\n".join(out)


def svg(rows, meta):
    bars = []  # (row name, comparison label, advantage)
    for r in rows:
        for a, b, label in comparisons(r):
            x = ratio(r, a, b)
            if x is None:
                continue
            adv = x if r["better"] == "higher" else 1 / x
            bars.append((r["name"], label, adv))
    colors = {"OpenSSH": "#2b6cb0", "SSH.NET": "#c05621"}
    left, width, bar_h, gap = 330, 520, 12, 8
    lo, hi = 1 / 8, 8.0

    def xpos(v):
        v = min(max(v, lo), hi)
        return left + (math.log2(v) - math.log2(lo)) / (math.log2(hi) - math.log2(lo)) * width
    y = 60
    parts = []
    last = None
    for name, label, adv in bars:
        if name != last:
            y += gap
            parts.append(f'<text x="{left - 8}" y="{y + bar_h - 2}" text-anchor="end" font-size="11">{escape(name)}</text>')
            last = name
        color = colors["SSH.NET"] if label.endswith("SSH.NET") else colors["OpenSSH"]
        opacity = "0.55" if label.startswith("Hop AOT") else "1"
        x0, x1 = xpos(1.0), xpos(adv)
        parts.append(f'<rect x="{min(x0, x1):.1f}" y="{y}" width="{abs(x1 - x0):.1f}" height="{bar_h - 2}" '
                     f'fill="{color}" fill-opacity="{opacity}"><title>{escape(label)}: {adv:.2f}×</title></rect>')
        parts.append(f'<text x="{max(x0, x1) + 4:.1f}" y="{y + bar_h - 3}" font-size="9">{escape(label)} {adv:.2f}×</text>')
        y += bar_h
    height = y + 50
    axis = []
    for v in (0.125, 0.25, 0.5, 1, 2, 4, 8):
        x = xpos(v)
        axis.append(f'<line x1="{x:.1f}" y1="50" x2="{x:.1f}" y2="{y + 8}" stroke="{"#000" if v == 1 else "#ddd"}"/>')
        axis.append(f'<text x="{x:.1f}" y="{y + 22}" text-anchor="middle" font-size="10">{v:g}×</text>')
    title = (f"Hop's advantage (higher is better: MB/s or sig/s ratio, or inverse time ratio), log scale — "
             f"{meta['date']}, {meta['cpu']}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 190}" height="{height}" '
            f'font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n'
            f'<text x="10" y="22" font-size="13" font-weight="bold">{escape(title)}</text>\n'
            f'<text x="10" y="40" font-size="11">blue: against OpenSSH, orange: against SSH.NET; pale: Hop NativeAOT; '
            f'right of the black line = Hop ahead</text>\n'
            + "\n".join(axis) + "\n" + "\n".join(parts) + "\n</svg>\n")
