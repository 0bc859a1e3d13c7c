#!/usr/bin/env bash
# A tour of Hop with nothing else to set up: starts a throwaway OpenSSH server on 127.0.0.1,
# makes a key with a passphrase, and logs in with `hop ssh`. Everything lives in a temp dir that
# is removed at the end; your ~/.ssh is not touched.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ ! -x /usr/sbin/sshd ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing openssh-server (apt-get)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client >/dev/null
  else
    echo "try.sh needs OpenSSH's server: run as root, or install it with: sudo apt-get install openssh-server" >&2
    exit 1
  fi
fi
if [ "$(id -u)" != 0 ]; then
  echo "try.sh starts sshd, which needs root here (it switches to your user for the login): run it with sudo" >&2
  exit 1
fi

say "building hop"
dotnet build src/Hop.Cli -c Release -nologo -v quiet -clp:ErrorsOnly
hop() { "$PWD/src/Hop.Cli/bin/Release/net10.0/hop" "$@"; }

work=$(mktemp -d /tmp/hop-try-XXXXXX)
chmod 755 "$work"
pidfile="$work/sshd.pid"
cleanup() {
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  [ -n "${SSH_AGENT_PID:-}" ] && kill "$SSH_AGENT_PID" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

say "hop keygen: a new ed25519 key, protected by a passphrase"
passphrase="correct horse battery staple"
hop keygen -t ed25519 -N "$passphrase" -C "hop-tour" -f "$work/id_ed25519"
ls -l "$work/id_ed25519" "$work/id_ed25519.pub"

say "starting a throwaway sshd on 127.0.0.1"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N "" -f "$work/host_ed25519"
cp "$work/id_ed25519.pub" "$work/authorized_keys"
chmod 644 "$work/authorized_keys"
cat > "$work/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_ed25519
PidFile $pidfile
UsePAM no
StrictModes no
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin yes
SetEnv SHLVL=1
AcceptEnv PSSH_*
CFG
mkdir -p /run/sshd
/usr/sbin/sshd -f "$work/sshd_config" -E "$work/sshd.log"
for _ in $(seq 50); do [ -f "$pidfile" ] && break; sleep 0.1; done
echo "sshd listens on 127.0.0.1:$port"

say "hop ssh: first contact (StrictHostKeyChecking=accept-new learns the host key)"
askpass="$work/askpass"
printf '#!/bin/sh\necho "%s"\n' "$passphrase" > "$askpass"; chmod 700 "$askpass"
export SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force
common=(-F /dev/null -p "$port" -i "$work/id_ed25519" -o "UserKnownHostsFile=$work/known_hosts" -o StrictHostKeyChecking=accept-new)
hop ssh "${common[@]}" "$(id -un)@127.0.0.1" 'echo "hello from $(hostname) as $(id -un); exit status comes back:"; exit 3' || echo "(exit status $?)"

say "hop ssh -v: what was negotiated"
hop ssh -v "${common[@]}" "$(id -un)@127.0.0.1" true 2>&1 | grep -E "kex: algorithm|host key algorithm|cipher:|Authenticated" || true

say "hop agent + hop add: the passphrase is typed once per session"
eval "$(hop agent -s -a "$work/agent.sock")" >/dev/null
echo "agent running as pid $SSH_AGENT_PID on $SSH_AUTH_SOCK"
hop add "$work/id_ed25519"           # asks for the passphrase once (here through SSH_ASKPASS)
hop add -l
unset SSH_ASKPASS SSH_ASKPASS_REQUIRE   # from now on nothing may ask: the agent signs
agentargs=(-F /dev/null -p "$port" -o "UserKnownHostsFile=$work/known_hosts" -o BatchMode=yes -o IdentitiesOnly=no)
hop ssh "${agentargs[@]}" "$(id -un)@127.0.0.1" 'echo "logged in through the agent, no passphrase asked"'

say "hop ssh -A: the agent is forwarded, so the server can use your keys without holding them"
hop ssh -A "${agentargs[@]}" "$(id -un)@127.0.0.1" 'ssh-add -l'

say "hop run: one command on many hosts at once (here the same server three times), as parallel-ssh"
hop run -H "127.0.0.1:$port 127.0.0.1:$port 127.0.0.1:$port" -l "$(id -un)" -x "-F /dev/null" \
  -O "UserKnownHostsFile=$work/known_hosts" -O BatchMode=yes -i 'echo "host $PSSH_NODENUM of $PSSH_NUMNODES: $(uname -sr)"'

say "a PuTTY .ppk key: made by hop keygen, served by hop agent to hop ssh (and to OpenSSH's ssh)"
hop keygen -q -t ed25519 -m PPK -N "ppk-pass" -C "ppk-tour" -f "$work/tour.ppk"
head -3 "$work/tour.ppk"
cat "$work/tour.ppk.pub" >> "$work/authorized_keys"
printf '#!/bin/sh\necho ppk-pass\n' > "$askpass"
SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force hop add "$work/tour.ppk"
ssh -F /dev/null -p "$port" -o "UserKnownHostsFile=$work/known_hosts" -o BatchMode=yes "$(id -un)@127.0.0.1" 'echo "OpenSSH ssh logged in with keys from hop agent"'
hop agent -k >/dev/null

say "done: the server and the agent are stopped and the temp dir removed"
