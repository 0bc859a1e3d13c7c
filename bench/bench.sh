#!/usr/bin/env bash
# One command for the benchmark: builds Hop (Release and NativeAOT), bench/HopBench and
# bench/SshNetBench, starts a throwaway OpenSSH sshd on 127.0.0.1, runs Hop, OpenSSH's ssh and
# SSH.NET side by side (interleaved) and writes bench/results/latest.md, RESULTS-<date>.md and
# latest.svg.
#
#   bench/bench.sh                 full run: 1 GiB transfers, 4 ciphers, 5 rounds (10-20 minutes)
#   bench/bench.sh --rounds N      N rounds of everything
#   bench/bench.sh --quick         smoke run: 8 MiB, one cipher, one round, no RSA (under a minute);
#                                  writes its report to a temp dir unless --out is given
#   bench/bench.sh --no-build      use what is already built (test.sh builds first)
#   bench/bench.sh --no-aot        skip the NativeAOT publish (HOP_AOT_BIN=path uses a binary you have)
#   bench/bench.sh --out DIR       where the report goes
#   bench/bench.sh --ciphers LIST  bulk rows for these ciphers only (comma-separated)
#   bench/bench.sh --only GROUPS   only these row groups (comma-separated: connect, fleet, keys, bulk, forward, keystroke,
#                                  agent, sftp)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

quick=0 build=1 aot=1 rounds=5 out="" ciphers="" only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-build) build=0 ;;
    --no-aot) aot=0 ;;
    --rounds) rounds=$2; shift ;;
    --out) out=$2; shift ;;
    --ciphers) ciphers=$2; shift ;;
    --only) only=$2; shift ;;
    *) echo "usage: bench/bench.sh [--quick] [--rounds N] [--no-build] [--no-aot] [--out DIR] [--ciphers a,b] [--only groups]" >&2; exit 2 ;;
  esac
  shift
done
if [ "$quick" = 1 ]; then aot=0; fi

for tool in /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen /usr/bin/ssh-keyscan /usr/bin/ssh-agent /usr/bin/ssh-add /usr/bin/parallel-ssh; do
  [ -x "$tool" ] || { echo "bench: $tool is missing (apt-get install openssh-server openssh-client pssh)" >&2; exit 1; }
done
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)

hop="$root/src/Hop.Cli/bin/Release/net10.0/hop"
hoplib="$root/bench/HopBench/bin/Release/net10.0/HopBench"
sshnet="$root/bench/SshNetBench/bin/Release/net10.0/SshNetBench"
aotdir="$root/bench/.aot"
hop_aot="${HOP_AOT_BIN:-}"

if [ "$build" = 1 ]; then
  echo "bench: building (Release)"
  for p in src/Hop.Cli bench/HopBench bench/SshNetBench; do
    dotnet build "$p" -c Release -nologo -v quiet -clp:ErrorsOnly
  done
fi
# The `Hop JIT` column: the CLI on the .NET runtime, precompiled (ReadyToRun) as in the framework-dependent
# tool packages that `dotnet pack` makes for platforms without a NativeAOT package (see
# src/Hop.Cli/Hop.Cli.csproj); a --quick run takes the plain build instead. The `Hop AOT` column is the
# binary that `dotnet tool install` installs on linux-x64.
hop_kind=jit
if [ "$quick" = 0 ]; then
  echo "bench: publishing hop framework-dependent and precompiled (ReadyToRun)"
  dotnet publish src/Hop.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$root/bench/.tool" -nologo -v quiet -clp:ErrorsOnly
  hop="$root/bench/.tool/hop"
  hop_kind=r2r
fi
if [ "$aot" = 1 ] && [ -z "$hop_aot" ]; then
  echo "bench: publishing the NativeAOT binary"
  dotnet publish src/Hop.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$aotdir" -nologo -v quiet -clp:ErrorsOnly
  hop_aot="$aotdir/hop"
fi
for b in "$hop" "$hoplib" "$sshnet" ${hop_aot:+"$hop_aot"}; do
  [ -x "$b" ] || { echo "bench: $b is not built (run without --no-build)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/hop-bench-XXXXXX)
chmod 755 "$work"
pidfile="$work/sshd.pid"
cleanup() {
  if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
[ -n "${BENCH_KEEP:-}" ] && trap - EXIT
if [ -z "$out" ]; then
  if [ "$quick" = 1 ]; then out="$work/results"; else out="$root/bench/results"; fi
fi

user=$(id -un)
ssh-keygen -q -t ed25519 -N "" -C bench -f "$work/id_ed25519"
ssh-keygen -q -t ed25519 -N "" -f "$work/host_ed25519"
cp "$work/id_ed25519.pub" "$work/authorized_keys"
chmod 644 "$work/authorized_keys"
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# SetEnv SHLVL=1: bash skips ~/.bashrc for commands run by sshd when SHLVL is already set
# (root's ~/.bashrc is slow on these machines and would be timed with every command).
cat > "$work/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_ed25519
PidFile $pidfile
UsePAM no
StrictModes no
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin yes
PasswordAuthentication no
KbdInteractiveAuthentication no
SetEnv SHLVL=1
Subsystem sftp internal-sftp
MaxStartups 100:30:200
MaxSessions 100
LogLevel ERROR
CFG
mkdir -p /run/sshd 2>/dev/null || true
/usr/sbin/sshd -f "$work/sshd_config" -E "$work/sshd.log"
for _ in $(seq 100); do [ -s "$pidfile" ] && break; sleep 0.1; done
[ -s "$pidfile" ] || { echo "bench: sshd did not start:" >&2; cat "$work/sshd.log" >&2; exit 1; }
for _ in $(seq 50); do
  ssh-keyscan -t ed25519 -p "$port" 127.0.0.1 > "$work/known_hosts" 2>/dev/null || true
  [ -s "$work/known_hosts" ] && break
  sleep 0.2
done
[ -s "$work/known_hosts" ] || { echo "bench: ssh-keyscan got no host key" >&2; exit 1; }

# Check that the remote shell does not read ~/.bashrc (it would set a marker we can see).
rc=$(/usr/bin/ssh -F /dev/null -p "$port" -i "$work/id_ed25519" -o UserKnownHostsFile="$work/known_hosts" \
  -o BatchMode=yes -l "$user" 127.0.0.1 'echo "SHLVL=$SHLVL PYENV_ROOT=${PYENV_ROOT:-unset}"')
echo "bench: sshd on 127.0.0.1:$port; remote shell: $rc"

args=(--port "$port" --user "$user" --work "$work" --key "$work/id_ed25519" --known-hosts "$work/known_hosts" --sshd-pid "$(cat "$pidfile")"
      --hop "$hop" --hop-kind "$hop_kind" --hoplib "$hoplib" --sshnet "$sshnet" --out "$out" --rounds "$rounds")
[ -n "$hop_aot" ] && args+=(--hop-aot "$hop_aot")
[ "$quick" = 1 ] && args+=(--quick)
[ -n "$ciphers" ] && args+=(--ciphers "$ciphers")
[ -n "$only" ] && args+=(--only "$only")
"$py" "$root/bench/bench.py" "${args[@]}"
