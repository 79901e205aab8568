#!/usr/bin/env bash
# Installs the Debian packages GPU Exchange needs on a Debian 12 machine, as root:
# redis-server, Vulkan loader + Mesa lavapipe from bookworm-backports (Dawn needs Mesa >= 23),
# docker-compose (only to validate docker-compose.yml), chromium (the console's browser tests), Java 17 and Maven.
# Idempotent: a second run installs nothing and takes seconds.
set -euo pipefail

say() { printf '[install-system-deps] %s\n' "$*"; }
die() { printf '[install-system-deps] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it calls apt-get)"
command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian 12 (bookworm) only"

java_version() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

# --- bookworm-backports, on the same mirror as the machine's existing Debian source.
bp=/etc/apt/sources.list.d/gpu-exchange-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  uri=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 ~ /bookworm/ && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || uri=http://deb.debian.org/debian
  say "adding bookworm-backports from $uri"
  cat > "$bp" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  need_update=1
fi

pkgs_main=(redis-server libvulkan1 vulkan-tools docker-compose curl chromium)
missing=()
for p in "${pkgs_main[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# Java 17 runs the broker, Maven fetches its jars (bookworm main). A JRE is enough: nothing is
# compiled, and Debian's maven itself depends only on default-jre-headless.
{ command -v java >/dev/null && [ "$(java_version)" -ge 17 ] 2>/dev/null; } || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
mesa_ok=0
if dpkg -s mesa-vulkan-drivers >/dev/null 2>&1; then
  mv=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)
  case "$mv" in 2[3-9].*|[3-9][0-9].*) mesa_ok=1 ;; esac
fi

if [ "${#missing[@]}" -eq 0 ] && [ "$mesa_ok" -eq 1 ] && [ -z "${need_update:-}" ]; then
  say "system packages already present"
else
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    # openjdk's postinst links its man pages there; slim images leave the folder out.
    mkdir -p /usr/share/man/man1
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ "$mesa_ok" -eq 0 ]; then
    say "installing mesa-vulkan-drivers from bookworm-backports (lavapipe)"
    apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  fi
fi

command -v java >/dev/null || die "no java on PATH after installing openjdk-17-jre-headless"
jv=$(java_version)
[ "${jv:-0}" -ge 17 ] || die "the default java is Java ${jv:-unknown}; Kafka needs 17 or newer: pick Java 17 with 'update-alternatives --config java'"
command -v mvn >/dev/null || die "no mvn on PATH after installing maven"

# The system redis-server must not hold the default port or our data; the project runs its own.
if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
  systemctl stop redis-server || true
fi

say "java $(java -version 2>&1 | head -1 | sed 's/.*version //'), $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g'), $(redis-server --version | awk '{sub("v=","",$3); print $3}'), mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
