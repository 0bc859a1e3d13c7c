#!/usr/bin/env bash
# The one test command: installs the peers the tests need, builds in Release, runs every test
# project and ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages the interop tests talk to; a missing peer fails the run, so install them here.
packages=(openssh-server openssh-client dropbear-bin putty-tools python3-asyncssh xvfb xauth x11-apps x11-utils tmux curl time iproute2 strace pssh softhsm2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Wine runs the Windows build (hop.exe) for the Pageant tests; it takes its recommended libraries
# (the X11 ones its window driver loads), so it is installed with them.
with_recommends=(wine64)
missing_with_recommends=()
for p in "${with_recommends[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing_with_recommends+=("$p")
done
if ((${#missing[@]} + ${#missing_with_recommends[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${missing[*]} ${missing_with_recommends[*]}"
    apt-get update -qq >/dev/null
    ((${#missing[@]})) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    ((${#missing_with_recommends[@]})) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_with_recommends[@]}" >/dev/null
  else
    echo "test.sh: missing packages: ${missing[*]} ${missing_with_recommends[*]} (run as root, or: sudo apt-get install ${missing[*]} ${missing_with_recommends[*]})" >&2
  fi
fi
mkdir -p /run/sshd 2>/dev/null || true

results=.test-results
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build Hop.slnx -c Release -nologo -clp:ErrorsOnly; then
  echo "test.sh: build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

status=0
for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  dotnet test "$proj" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000 || status=1
done

# The NativeAOT binary, as `dotnet tool install` installs it here: this platform's tool package
# holds it (see src/Hop.Cli/Hop.Cli.csproj). Pack that package and the top one, install the tool
# into a folder of our own (from those packages only, with a NuGet cache of our own, so that no
# older package of the same version is taken), then run the whole interop suite again with the
# installed `hop` (every test that starts hop, in whatever folder, runs it; the library's own tests
# run twice, about 1.5 min, so that no list of test classes can go stale).
extra_failed=0; extra_passed=0
tool_packages="$PWD/$results/packages"
tools="$PWD/$results/tools"
aot="$tools/hop"
cat > "$results/nuget.config" <<CFG
<configuration><packageSources><clear /><add key="hop" value="$tool_packages" /></packageSources></configuration>
CFG
aot_start=$SECONDS
if dotnet pack src/Hop.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$tool_packages" -nologo -clp:ErrorsOnly &&
   dotnet pack src/Hop.Cli -c Release -p:PublishAot=true --no-build -o "$tool_packages" -nologo -clp:ErrorsOnly &&
   NUGET_PACKAGES="$PWD/$results/nuget-cache" dotnet tool install Hop.Cli --tool-path "$tools" --configfile "$results/nuget.config" > "$results/tool-install.log" 2>&1 &&
   [ -L "$aot" ] && [ "$(head -c 4 "$aot" | tail -c 3)" = ELF ]; then
  echo "test.sh: NativeAOT tool package packed and installed in $((SECONDS - aot_start)) s ($(readlink "$aot"))"
  HOP_BIN="$aot" dotnet test tests/Hop.Interop.Tests -c Release --no-build -nologo \
    --logger "trx;LogFileName=Hop.Interop.Tests.aot.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000 || status=1
  [ -f "$results/Hop.Interop.Tests.aot.trx" ] || { echo "test.sh: the AOT run reported no results" >&2; extra_failed=$((extra_failed + 1)); }
else
  echo "test.sh: packing or installing the NativeAOT tool failed:" >&2; tail -5 "$results/tool-install.log" >&2 2>/dev/null
  extra_failed=$((extra_failed + 1))
fi

# The benchmark still runs (a smoke run; no timing asserted).
if HOP_AOT_BIN=$([ -x "$aot" ] && echo "$aot") bench/bench.sh --quick --no-build > "$results/bench-quick.log" 2>&1; then
  extra_passed=$((extra_passed + 1))
else
  echo "test.sh: bench/bench.sh --quick failed:" >&2; tail -20 "$results/bench-quick.log" >&2; extra_failed=$((extra_failed + 1))
fi

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(get passed)))
  f=$(( $(get failed) + $(get error) + $(get timeout) + $(get aborted) ))
  failed=$((failed + f))
  skipped=$((skipped + $(get notExecuted)))
done
passed=$((passed + extra_passed)); failed=$((failed + extra_failed))
ntrx=$(ls "$results"/*.trx 2>/dev/null | wc -l)
nproj=$(ls tests/*/*.csproj | wc -l)
if [ "$ntrx" -lt "$nproj" ]; then
  echo "test.sh: only $ntrx of $nproj test projects reported results" >&2
  failed=$((failed + nproj - ntrx)); status=1
fi
if [ "$failed" -gt 0 ]; then status=1; fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit $status
