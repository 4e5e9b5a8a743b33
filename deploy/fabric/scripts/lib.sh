# shellcheck shell=bash
# Shared definitions of rxledger's Fabric network scripts (up, down, ctl).
# Sourced, not run. Everything the network writes lives under RXL_FABRIC_DIR;
# every port is RXL_FABRIC_PORT_BASE plus a fixed offset, so two networks with
# different directories and bases do not collide.
#
# Environment:
#   FABRIC_BIN            directory holding peer, orderer, osnadmin, configtxgen,
#                         cryptogen (default: found on PATH)
#   RXL_FABRIC_DIR        data directory (default: ${TMPDIR:-/tmp}/rxledger-fabric)
#   RXL_FABRIC_PORT_BASE  first port (default 27000); the network uses base..base+44
#   RXL_FABRIC_CHANNEL    channel name (default rxledger)
#   RXL_FABRIC_CHAINCODES chaincodes to deploy (default: baseline, plus rxledger
#                         when chaincode/cmd/rxledger-cc exists)

FABRIC_DEPLOY="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$FABRIC_DEPLOY/../.." && pwd)"
RXL_FABRIC_DIR="${RXL_FABRIC_DIR:-${TMPDIR:-/tmp}/rxledger-fabric}"
RXL_FABRIC_PORT_BASE="${RXL_FABRIC_PORT_BASE:-27000}"
RXL_FABRIC_CHANNEL="${RXL_FABRIC_CHANNEL:-rxledger}"
D="$RXL_FABRIC_DIR"
CRYPTO="$D/crypto"

# Organisations, in port order: short name, MSP ID.
ORGS=(manufacturer wholesaler pharmacy regulator)
declare -A MSPID=(
  [manufacturer]=ManufacturerMSP
  [wholesaler]=WholesalerMSP
  [pharmacy]=PharmacyMSP
  [regulator]=RegulatorMSP
)

# Chaincodes this network knows: server package and port offset within an
# organisation's block of ten ports.
declare -A CC_PKG=(
  [rxledger]=./chaincode/cmd/rxledger-cc
  [baseline]=./deploy/fabric/baseline
)
declare -A CC_PORT_OFFSET=(
  [rxledger]=3
  [baseline]=4
)
# Endorsement policy of both chaincodes: any two organisations. No
# organisation can write alone. Writes into an organisation's implicit private
# collection additionally need that organisation's endorsement (Fabric applies
# the organisation's Endorsement policy to its implicit collection), so a T3
# written for seller, buyer and regulator is endorsed by all three.
CC_POLICY="OutOf(2,'ManufacturerMSP.peer','WholesalerMSP.peer','PharmacyMSP.peer','RegulatorMSP.peer')"

ORDERER_PORT=$((RXL_FABRIC_PORT_BASE + 0))
ORDERER_ADMIN_PORT=$((RXL_FABRIC_PORT_BASE + 1))
ORDERER_OPS_PORT=$((RXL_FABRIC_PORT_BASE + 2))
ORDERER_HOST=orderer0.orderer.rxledger.test
ORDERER_CRYPTO="$CRYPTO/ordererOrganizations/orderer.rxledger.test/orderers/$ORDERER_HOST"
ORDERER_TLSCA="$CRYPTO/ordererOrganizations/orderer.rxledger.test/tlsca/tlsca.orderer.rxledger.test-cert.pem"
ORDERER_ADMIN_TLS="$CRYPTO/ordererOrganizations/orderer.rxledger.test/users/Admin@orderer.rxledger.test/tls"
TLS_BUNDLE="$CRYPTO/tls-roots.pem"

log() { printf '%s rxledger-fabric: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# fabric_bin NAME prints the path of a Fabric binary from FABRIC_BIN or PATH.
fabric_bin() {
  if [ -n "${FABRIC_BIN:-}" ]; then
    [ -x "$FABRIC_BIN/$1" ] || die "$FABRIC_BIN/$1 is missing (FABRIC_BIN=$FABRIC_BIN)"
    printf '%s\n' "$FABRIC_BIN/$1"
    return
  fi
  command -v "$1" >/dev/null 2>&1 || die "$1 is not on PATH; set FABRIC_BIN to the directory of Fabric's binaries"
  command -v "$1"
}

# Per-organisation values.
org_index() {
  local i
  for i in "${!ORGS[@]}"; do
    if [ "${ORGS[$i]}" = "$1" ]; then
      echo "$i"
      return
    fi
  done
  die "unknown organisation $1"
}
org_port_block() { echo $((RXL_FABRIC_PORT_BASE + 10 * ($(org_index "$1") + 1))); }
peer_port() { echo $(($(org_port_block "$1") + 0)); }
peer_cc_port() { echo $(($(org_port_block "$1") + 1)); }
peer_ops_port() { echo $(($(org_port_block "$1") + 2)); }
cc_port() { echo $(($(org_port_block "$1") + CC_PORT_OFFSET[$2])); }
org_domain() { echo "$1.rxledger.test"; }
peer_host() { echo "peer0.$(org_domain "$1")"; }
peer_crypto() { echo "$CRYPTO/peerOrganizations/$(org_domain "$1")/peers/$(peer_host "$1")"; }
peer_tlsca() { echo "$CRYPTO/peerOrganizations/$(org_domain "$1")/tlsca/tlsca.$(org_domain "$1")-cert.pem"; }
admin_msp() { echo "$CRYPTO/peerOrganizations/$(org_domain "$1")/users/Admin@$(org_domain "$1")/msp"; }
user_msp() { echo "$CRYPTO/peerOrganizations/$(org_domain "$1")/users/User1@$(org_domain "$1")/msp"; }
# TLS material of the organisation's chaincode servers (crypto-config.yaml).
cc_crypto() { echo "$CRYPTO/peerOrganizations/$(org_domain "$1")/peers/chaincode.$(org_domain "$1")"; }

# builder_config ORG prints the CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG of the
# organisation's peer: the port of its server for every known chaincode, and
# the files of the mutual TLS between the peer and its chaincode servers (the
# CA that issued the servers' certificate; the peer's own TLS pair as client).
builder_config() {
  local name out="{"
  for name in "${!CC_PORT_OFFSET[@]}"; do
    out+="\"ccport_$name\":\"$(cc_port "$1" "$name")\","
  done
  out+="\"cc_tls_root_file\":\"$(peer_tlsca "$1")\","
  out+="\"cc_tls_client_cert_file\":\"$(peer_crypto "$1")/tls/server.crt\","
  out+="\"cc_tls_client_key_file\":\"$(peer_crypto "$1")/tls/server.key\""
  echo "$out}"
}

# as_admin ORG CMD... runs a peer CLI command as the organisation's admin
# against its peer.
as_admin() {
  local org="$1"
  shift
  FABRIC_CFG_PATH="$D/peers/$org" \
    CORE_PEER_LOCALMSPID="${MSPID[$org]}" \
    CORE_PEER_MSPCONFIGPATH="$(admin_msp "$org")" \
    CORE_PEER_ADDRESS="127.0.0.1:$(peer_port "$org")" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_ROOTCERT_FILE="$(peer_tlsca "$org")" \
    "$@"
}

# render TEMPLATE OUT KEY=VALUE... replaces every @@KEY@@ of TEMPLATE.
render() {
  local template="$1" out="$2" pair key value text
  shift 2
  text=$(cat "$template")
  for pair in "$@"; do
    key="${pair%%=*}"
    value="${pair#*=}"
    text=${text//"@@$key@@"/$value}
  done
  if [[ "$text" =~ @@[A-Z_]+@@ ]]; then
    die "$template: placeholder ${BASH_REMATCH[0]} left unrendered"
  fi
  mkdir -p "$(dirname "$out")"
  printf '%s\n' "$text" >"$out"
}

# wait_for DESCRIPTION SECONDS CMD... retries CMD every 200 ms until it
# succeeds or SECONDS pass.
wait_for() {
  local what="$1" limit="$2" deadline
  shift 2
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      die "timed out after ${limit}s waiting for $what"
    fi
    sleep 0.2
  done
}

# Processes. Each has a run script in $D/run/NAME.sh (written once by up),
# a log in $D/logs/NAME.log and, while up started it, a PID in $D/pids/NAME.pid.

pid_of() {
  local file="$D/pids/$1.pid" pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  # The PID must still be the process we started, not a reused number: its
  # environment carries RXL_FABRIC_PROC=<data dir>/<name>.
  [ -r "/proc/$pid/environ" ] || return 1
  tr '\0' '\n' <"/proc/$pid/environ" | grep -qxF "RXL_FABRIC_PROC=$D/$1" || return 1
  echo "$pid"
}

is_running() { pid_of "$1" >/dev/null; }

# define_proc NAME [VAR=VALUE...] -- CMD... writes the run script of a process:
# its environment and command.
define_proc() {
  local name="$1"
  shift
  mkdir -p "$D/run" "$D/logs" "$D/pids"
  {
    echo '#!/usr/bin/env bash'
    echo "# Runs $name of the rxledger Fabric network in $D (written by scripts/up)."
    printf 'export RXL_FABRIC_PROC=%q\n' "$D/$name"
    while [ "$1" != "--" ]; do
      printf 'export %q\n' "$1"
      shift
    done
    shift
    printf 'exec'
    printf ' %q' "$@"
    echo
  } >"$D/run/$name.sh"
  chmod +x "$D/run/$name.sh"
}

start_proc() {
  local name="$1" pid
  if is_running "$name"; then
    return 0
  fi
  [ -x "$D/run/$name.sh" ] || die "no run script for $name in $D/run"
  setsid nohup "$D/run/$name.sh" >>"$D/logs/$name.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$D/pids/$name.pid"
  log "started $name (pid $pid, log $D/logs/$name.log)"
}

stop_proc() {
  local name="$1" pid i
  pid=$(pid_of "$name") || {
    rm -f "$D/pids/$name.pid"
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) ignored SIGTERM for 5 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$D/pids/$name.pid"
  log "stopped $name (pid $pid)"
}

# All process names, in start order.
all_procs() {
  local org name
  echo orderer0
  for org in "${ORGS[@]}"; do echo "peer-$org"; done
  for name in $(ls "$D/run" 2>/dev/null | sed -n 's/^cc-\(.*\)\.sh$/\1/p'); do echo "cc-$name"; done
}

# define_chaincode NAME PACKAGE_ID approves (every organisation, in parallel)
# and commits the chaincode definition NAME, version 1 sequence 1, served by
# the installed package PACKAGE_ID. Safe to run again. A second definition of
# the same package is a fresh chaincode namespace (state and private data)
# served by the same chaincode servers.
define_chaincode() {
  local name="$1" pkg_id="$2" org peer pids=() peer_flags=()
  local orderer_flags=(-o "127.0.0.1:$ORDERER_PORT" --tls --cafile "$ORDERER_TLSCA")
  peer=$(fabric_bin peer)
  if as_admin manufacturer "$peer" lifecycle chaincode querycommitted \
    --channelID "$RXL_FABRIC_CHANNEL" --name "$name" >/dev/null 2>&1; then
    return 0
  fi
  log "approving $name for every organisation"
  for org in "${ORGS[@]}"; do
    as_admin "$org" "$peer" lifecycle chaincode approveformyorg "${orderer_flags[@]}" \
      --channelID "$RXL_FABRIC_CHANNEL" --name "$name" --version 1 --sequence 1 \
      --package-id "$pkg_id" --signature-policy "$CC_POLICY" >>"$D/logs/cli.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || die "approving $name failed (see $D/logs/cli.log)"
  done
  for org in "${ORGS[@]}"; do
    peer_flags+=(--peerAddresses "127.0.0.1:$(peer_port "$org")" --tlsRootCertFiles "$(peer_tlsca "$org")")
  done
  log "committing the definition of $name"
  as_admin manufacturer "$peer" lifecycle chaincode commit "${orderer_flags[@]}" \
    --channelID "$RXL_FABRIC_CHANNEL" --name "$name" --version 1 --sequence 1 \
    --signature-policy "$CC_POLICY" "${peer_flags[@]}" >>"$D/logs/cli.log" 2>&1 ||
    die "committing $name failed (see $D/logs/cli.log)"
  for org in "${ORGS[@]}"; do
    wait_for "$name to be defined on the peer of $org" 60 \
      as_admin "$org" "$peer" lifecycle chaincode querycommitted --channelID "$RXL_FABRIC_CHANNEL" --name "$name"
  done
}
