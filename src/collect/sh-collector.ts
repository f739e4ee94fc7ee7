/**
 * The POSIX sh collector that `netaudit collector-script` prints: the same snapshot as
 * `netaudit collect`, for hosts without Node.js. Runs under dash, busybox sh and bash; needs only
 * awk (mawk, gawk or busybox), od, sed, tr and the usual utilities.
 *
 * How it survives any bytes: the runs of bytes >= 0x80 (cut out with tr) go through
 * `od -An -v -tx1` into an awk program that checks they are UTF-8; if so, sed escapes the text for
 * JSON (quotes, backslashes, control characters) and awk joins the lines: fast, since od and the
 * per-byte awk only see the non-ASCII bytes. Output holding NUL bytes goes byte by byte through od
 * and awk. Output that is not valid UTF-8 is written base64 (`stdoutEncoding: "base64"`), by
 * `base64` where present, else by an awk encoder.
 *
 * Timeouts: GNU `timeout -s KILL` when present (it kills the command's whole process group);
 * otherwise a background watchdog that kills the command (and its process group when `setsid` is
 * there to give it one).
 *
 * The source list, the iptables gating rules and their reasons come from the TypeScript modules, so
 * both collectors run the same commands and record the same states.
 */
import { SOURCES } from '../snapshot/sources.js';
import { VERSION } from '../version.js';
import {
  REASON_NO_BACKEND,
  REASON_NO_LEGACY_TABLES4,
  REASON_NO_LEGACY_TABLES6,
  NFT_SOURCE_IDS,
  REASON_NO_NFTABLES,
} from './iptables-gate.js';
import { collectedArgv } from './collected-argv.js';
import { NO_OTHER_NAMESPACE_NOTE, REASON_SYSFS_UNDER_NSENTER, SYSFS_SOURCE_IDS } from './namespaces.js';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TIMEOUT_MS, NOT_ROOT_NOTE } from './node-collector.js';
import { MAIN_SYSCTL_CONF, SPLIT_USR_SYSCTL_D, SYSCTL_D_DIRS } from '../snapshot/sysctl-dirs.js';
import { REASON_NOT_FOUND } from './source-result.js';
import { FILE_SOURCES, type FileSourceSpec, hasWildcard, SAFE_PATTERN } from '../snapshot/host-files.js';
import { REASON_BROKEN_LINK, REASON_LINK_LOOP, REASON_NOT_REGULAR } from './host-files.js';

export const SH_COLLECTOR_NAME = 'netaudit-sh';

/** Sources whose missing tool is recorded as not-collected (SourceSpec.optionalTool), as the Node collector does. */
const OPTIONAL_TOOL_IDS = SOURCES.filter((s) => s.optionalTool).map((s) => s.id);

/** Single-quote a string for sh. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Written as `$\{` in the templates below, since `${` would be a TypeScript interpolation. */
const SH_BRACE = /\$\\\{/g;

/** awk: od hex bytes in, a JSON string body out (exit 3 when the bytes are not valid UTF-8). */
const AWK_UTF8_JSON = String.raw`
BEGIN {
  for (i = 0; i < 256; i++) { h = sprintf("%02x", i); v[h] = i; v[toupper(h)] = i }
  for (i = 32; i < 127; i++) e[i] = sprintf("%c", i)
  e[34] = "\\\""; e[92] = "\\\\"
  for (i = 0; i < 32; i++) e[i] = sprintf("\\u%04x", i)
  e[8] = "\\b"; e[9] = "\\t"; e[10] = "\\n"; e[12] = "\\f"; e[13] = "\\r"; e[127] = "\\u007f"
  need = 0; bad = 0
}
{
  s = ""
  for (k = 1; k <= NF; k++) {
    b = v[$k]
    if (need == 0) {
      if (b < 128) { s = s e[b]; continue }
      if (b >= 194 && b <= 223) { need = 1; c = b - 192; lo = 128; hi = 191 }
      else if (b >= 224 && b <= 239) { need = 2; c = b - 224; lo = (b == 224) ? 160 : 128; hi = (b == 237) ? 159 : 191 }
      else if (b >= 240 && b <= 244) { need = 3; c = b - 240; lo = (b == 240) ? 144 : 128; hi = (b == 244) ? 143 : 191 }
      else { bad = 1; exit 3 }
    } else {
      if (b < lo || b > hi) { bad = 1; exit 3 }
      lo = 128; hi = 191; c = c * 64 + b - 128; need--
      if (need == 0) {
        if (c < 65536) s = s sprintf("\\u%04x", c)
        else { c -= 65536; s = s sprintf("\\u%04x\\u%04x", 55296 + int(c / 1024), 56320 + c % 1024) }
      }
    }
  }
  printf "%s", s
}
END { if (!bad && need > 0) exit 3 }
`;

/**
 * awk: od hex bytes in; exit 3 unless they are valid UTF-8. Lines without a byte >= 0x80 are skipped
 * whole, so text with a few non-ASCII lines is checked quickly.
 */
const AWK_UTF8_VALID = String.raw`
BEGIN { for (i = 0; i < 256; i++) { h = sprintf("%02x", i); v[h] = i; v[toupper(h)] = i }; need = 0; bad = 0 }
need == 0 && $0 !~ /[89a-fA-F][0-9a-fA-F]/ { next }
{
  for (k = 1; k <= NF; k++) {
    b = v[$k]
    if (need == 0) {
      if (b < 128) continue
      if (b >= 194 && b <= 223) { need = 1; lo = 128; hi = 191 }
      else if (b >= 224 && b <= 239) { need = 2; lo = (b == 224) ? 160 : 128; hi = (b == 237) ? 159 : 191 }
      else if (b >= 240 && b <= 244) { need = 3; lo = (b == 240) ? 144 : 128; hi = (b == 244) ? 143 : 191 }
      else { bad = 1; exit 3 }
    } else {
      if (b < lo || b > hi) { bad = 1; exit 3 }
      lo = 128; hi = 191; need--
    }
  }
}
END { if (!bad && need > 0) exit 3 }
`;

/** awk: od hex bytes in, base64 out. */
const AWK_BASE64 = String.raw`
BEGIN {
  for (i = 0; i < 256; i++) { h = sprintf("%02x", i); v[h] = i; v[toupper(h)] = i }
  a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  for (i = 0; i < 64; i++) t[i] = substr(a, i + 1, 1)
  n = 0
}
{
  s = ""
  for (k = 1; k <= NF; k++) {
    q[n++] = v[$k]
    if (n == 3) {
      x = q[0] * 65536 + q[1] * 256 + q[2]
      s = s t[int(x / 262144)] t[int(x / 4096) % 64] t[int(x / 64) % 64] t[x % 64]
      n = 0
    }
  }
  printf "%s", s
}
END {
  if (n == 1) { x = q[0] * 65536; printf "%s%s==", t[int(x / 262144)], t[int(x / 4096) % 64] }
  if (n == 2) { x = q[0] * 65536 + q[1] * 256; printf "%s%s%s=", t[int(x / 262144)], t[int(x / 4096) % 64], t[int(x / 64) % 64] }
}
`;

/** awk: `ls -l /proc/[0-9]*\/ns/net` in, "minpid inode pid pid ..." per namespace out. */
const AWK_GROUP_NETNS = String.raw`
BEGIN { n = split(skip, s, " "); for (i = 1; i <= n; i++) skipped[s[i]] = 1 }
$(NF - 1) == "->" {
  target = $NF; path = $(NF - 2)
  if (target !~ /^net:\[[0-9]+\]$/) next
  gsub(/[^0-9]/, "", target)
  if (target in skipped) next
  k = split(path, parts, "/"); pid = parts[k - 2]
  if (pid !~ /^[0-9]+$/) next
  pid += 0
  pids[target] = pids[target] " " pid
  if (!(target in low) || pid < low[target]) low[target] = pid
}
END { for (t in pids) print low[t], t, pids[t] }
`;

function sourceCalls(): string {
  // iptables -V first: its backend decides which dumps run.
  const ordered = [...SOURCES.filter((s) => s.id === 'iptables-version'), ...SOURCES.filter((s) => s.id !== 'iptables-version')];
  return ordered
    .map((s) => {
      const call = `na_source ${s.id} ${collectedArgv(s).map(shQuote).join(' ')}`;
      const line = s.hostOnly ? `[ "$NA_PFX" = host ] && ${call}` : call;
      return s.id === 'iptables-version' ? `${line}\n  na_backend_from_version` : line;
    })
    .map((l) => `  ${l}`)
    .join('\n');
}

/**
 * The calls reading every file source (host-files.ts) in the current namespace's view: an exact path is
 * one na_fmatch; a pattern is a shell glob (so its characters are checked against SAFE_PATTERN), each
 * match an na_fmatch, and the pattern recorded as absent when nothing was kept.
 */
function fileSourceCalls(): string {
  return (FILE_SOURCES as readonly FileSourceSpec[])
    .map((spec) => {
      const lines = [`na_fsrc_begin ${spec.maxBytes} ${shQuote((spec.processes ?? []).join(' '))}`];
      for (const pattern of spec.paths) {
        if (!SAFE_PATTERN.test(pattern)) throw new Error(`file source ${spec.id}: unsafe path pattern ${pattern}`);
        if (!hasWildcard(pattern)) {
          lines.push(`na_fmatch ${shQuote(pattern)} 0`);
          continue;
        }
        const underProc = pattern.startsWith('/proc/');
        const root = underProc ? '$NA_PROC' : '$na_froot';
        const prefix = underProc ? '/proc' : '';
        lines.push('na_fbefore=$na_fcount');
        lines.push(`for na_m in "${root}"${underProc ? pattern.slice('/proc'.length) : pattern}; do na_fmatch "${prefix}\${na_m#"${root}"}" 1; done`);
        lines.push(`na_fnone ${shQuote(pattern)}`);
      }
      lines.push(`na_fsrc_end ${spec.id}`);
      const body = lines.map((l) => `    ${l}`).join('\n');
      return spec.scope === 'host' ? `  if [ "$NA_PFX" = host ]; then\n${body}\n  fi` : body.replace(/^    /gm, '  ');
    })
    .join('\n');
}

/** Shell commands writing $NA_TMP/escape.sed: the sed program turning text into a JSON string body. */
function escapeSedCommands(): string {
  const named: Record<number, string> = { 8: 'b', 9: 't', 12: 'f', 13: 'r' };
  const codes = [...Array.from({ length: 31 }, (_, i) => i + 1).filter((c) => c !== 10), 127];
  const lines = codes.map((c) => {
    const replacement = named[c] ?? `u${c.toString(16).padStart(4, '0')}`;
    // printf turns \OOO into the byte and \\\\ into \\, which sed writes as one backslash.
    return `  printf 's/\\${c.toString(8).padStart(3, '0')}/\\\\\\\\${replacement}/g\\n'`;
  });
  return ['{', `  printf '%s\\n' 's/\\\\/\\\\\\\\/g' 's/"/\\\\"/g'`, ...lines, '} >"$NA_TMP/escape.sed"'].join('\n');
}

/**
 * The sh functions that turn any file into a JSON string (na_json_file, na_json_str), with what they
 * need. Expects LC_ALL=C and a private directory in NA_TMP.
 */
export function shJsonLibrary(): string {
  const library = String.raw`NA_AWK_UTF8=${shQuote(AWK_UTF8_JSON)}
NA_AWK_VALID=${shQuote(AWK_UTF8_VALID)}
NA_AWK_B64=${shQuote(AWK_BASE64)}
NA_TAB=$(printf '\t')
NA_CR=$(printf '\r')
if [ "$(printf 'netaudit' | base64 2>/dev/null)" = bmV0YXVkaXQ= ]; then NA_BASE64=1; else NA_BASE64=0; fi
${escapeSedCommands()}

# Print the contents of a file as a JSON string; NA_ENC says utf8 or base64.
na_json_file() {
  NA_ENC=utf8
  if [ ! -s "$1" ]; then
    printf '""'
    return 0
  fi
  na_nul=$(tr -d '\001-\377' <"$1" | wc -c)
  if [ $((na_nul)) -ne 0 ]; then
    # NUL bytes, which sed cannot be trusted with: byte by byte.
    if od -An -v -tx1 "$1" | awk "$NA_AWK_UTF8" >"$NA_TMP/j"; then
      printf '"'
      cat "$NA_TMP/j"
      printf '"'
    else
      na_base64 "$1"
    fi
    return 0
  fi
  # Whether bytes are UTF-8 depends only on the runs of bytes >= 0x80: check those alone.
  if tr -c '\200-\377' '\n' <"$1" | tr -s '\n' | od -An -v -tx1 | awk "$NA_AWK_VALID"; then
    printf '"'
    sed -f "$NA_TMP/escape.sed" "$1" | awk '{ printf "%s%s", s, $0; s = "\\n" }'
    [ -z "$(tail -c 1 "$1")" ] && printf '\\n'
    printf '"'
  else
    na_base64 "$1"
  fi
}

na_base64() {
  NA_ENC=base64
  printf '"'
  if [ "$NA_BASE64" = 1 ]; then
    base64 <"$1" | tr -d '\n'
  else
    od -An -v -tx1 "$1" | awk "$NA_AWK_B64"
  fi
  printf '"'
}

# Print a string as JSON (text fields such as command and reason are never base64).
na_json_str() {
  case $1 in
    *[\"\\]*|*[!\ -~]*)
      printf '%s' "$1" >"$NA_TMP/s"
      na_json_file "$NA_TMP/s" >"$NA_TMP/sj"
      if [ "$NA_ENC" = utf8 ]; then cat "$NA_TMP/sj"; else printf '"(not valid UTF-8)"'; fi ;;
    *) printf '"%s"' "$1" ;;
  esac
}
`;
  return library.replace(SH_BRACE, '${');
}

export function collectorScript(): string {
  const script = String.raw`#!/bin/sh
# netaudit collector (POSIX sh) ${VERSION}: generated by "netaudit collector-script"; do not edit.
#
# Writes one netaudit/snapshot@1 JSON document, the raw output of this host's network configuration
# commands, to stdout or to -o FILE. Audit it anywhere with "netaudit audit FILE".
# Needs a POSIX sh (dash, busybox sh, bash), awk, od, sed, tr: no Node.js, jq or python.
# Run it as root: iptables-save and ss -p need root.
#
# Read-only: it runs listing commands only and reads /etc/sysctl.conf and the sysctl.d/*.conf files.
# iptables and nft dumps that could make the kernel load modules are not run (the snapshot says why).

LC_ALL=C
export LC_ALL
umask 077

NA_VERSION=${shQuote(VERSION)}
NA_COLLECTOR=${shQuote(SH_COLLECTOR_NAME)}
NA_OUT=-
NA_TIMEOUT=${Math.round(DEFAULT_TIMEOUT_MS / 1000)}
NA_MAX_BYTES=${DEFAULT_MAX_OUTPUT_BYTES}
NA_MAX_STDERR=1048576
NA_ALL=0
# Stand-ins for tests; a real run uses the defaults.
NA_PROC=$\{NETAUDIT_PROC_ROOT:-/proc}
NA_SYS=$\{NETAUDIT_SYS_ROOT:-/sys}
NA_ROOT=$\{NETAUDIT_ROOT:-}
NA_NETNS_DIR=$\{NETAUDIT_NETNS_DIR:-/run/netns}

NA_R_NOT_FOUND=${shQuote(REASON_NOT_FOUND)}
NA_R_LEG4=${shQuote(REASON_NO_LEGACY_TABLES4)}
NA_R_LEG6=${shQuote(REASON_NO_LEGACY_TABLES6)}
NA_R_NFT=${shQuote(REASON_NO_NFTABLES)}
NA_R_NONE=${shQuote(REASON_NO_BACKEND)}
NA_NOT_ROOT=${shQuote(NOT_ROOT_NOTE)}
NA_R_SYSFS=${shQuote(REASON_SYSFS_UNDER_NSENTER)}
NA_NO_OTHER_NS=${shQuote(NO_OTHER_NAMESPACE_NOTE)}

NA_AWK_GROUP=${shQuote(AWK_GROUP_NETNS)}
NA_R_NOTREG=${shQuote(REASON_NOT_REGULAR)}
NA_R_BROKEN=${shQuote(REASON_BROKEN_LINK)}
NA_R_LOOP=${shQuote(REASON_LINK_LOOP)}


na_die() {
  printf 'netaudit-collect: %s\n' "$1" >&2
  exit 2
}

na_usage() {
  cat <<'EOF'
Usage: sh netaudit-collect.sh [-o FILE] [--netns all|NAME...] [--timeout SECONDS] [--max-bytes BYTES]

Collects the raw output of this host's network configuration commands into one netaudit snapshot
(JSON) on stdout, or in FILE with -o. Audit it with "netaudit audit FILE".

  -o, --output FILE    write the snapshot to FILE instead of stdout
  --netns NAME...      also collect inside these named network namespaces ("ip netns")
  --netns all          every named namespace and the namespaces of running processes (containers)
  --timeout SECONDS    per command (default 10); a command still running is killed
  --max-bytes BYTES    per output (default 64 MiB); longer output is cut and marked truncated
EOF
}

NA_TMP=$(mktemp -d "$\{TMPDIR:-/tmp}/netaudit.XXXXXX" 2>/dev/null) || {
  NA_TMP=$\{TMPDIR:-/tmp}/netaudit.$$
  mkdir "$NA_TMP" || na_die "cannot create a temporary directory"
}
trap 'rm -rf "$NA_TMP"' EXIT
trap 'exit 130' HUP INT TERM
: >"$NA_TMP/netns.wanted"
: >"$NA_TMP/notes"

${shJsonLibrary()}

while [ $# -gt 0 ]; do
  case $1 in
    -o|--output)
      [ $# -ge 2 ] || na_die "$1 needs a file name"
      NA_OUT=$2
      shift 2 ;;
    --timeout)
      [ $# -ge 2 ] || na_die "--timeout needs a number of seconds"
      NA_TIMEOUT=$2
      shift 2 ;;
    --max-bytes)
      [ $# -ge 2 ] || na_die "--max-bytes needs a number"
      NA_MAX_BYTES=$2
      shift 2 ;;
    --netns)
      shift
      [ $# -gt 0 ] || na_die "--netns needs 'all' or namespace names"
      while [ $# -gt 0 ]; do
        case $1 in
          -*) break ;;
          all) NA_ALL=1 ;;
          *) printf '%s\n' "$1" >>"$NA_TMP/netns.wanted" ;;
        esac
        shift
      done ;;
    -h|--help)
      na_usage
      exit 0 ;;
    *) na_die "unknown argument: $1 (see --help)" ;;
  esac
done
case $NA_TIMEOUT in ''|*[!0-9]*|0) na_die "--timeout wants a whole number of seconds above 0" ;; esac
case $NA_MAX_BYTES in ''|*[!0-9]*|0) na_die "--max-bytes wants a number above 0" ;; esac
awk '!seen[$0]++' "$NA_TMP/netns.wanted" >"$NA_TMP/netns.todo"

if timeout --version 2>/dev/null | grep -q 'GNU coreutils'; then NA_GNU_TIMEOUT=1; else NA_GNU_TIMEOUT=0; fi
if command -v setsid >/dev/null 2>&1; then NA_SETSID=1; else NA_SETSID=0; fi
if head -c 1 </dev/null >/dev/null 2>&1; then NA_HEAD_C=1; else NA_HEAD_C=0; fi

na_note() {
  printf '%s\n' "$1" >>"$NA_TMP/notes"
}

# Milliseconds since boot, in na_ms (10 ms resolution).
na_now_ms() {
  na_up=
  { read -r na_up na_rest </proc/uptime; } 2>/dev/null
  case $na_up in
    *.[0-9][0-9]) na_ms=$(( $\{na_up%.*} * 1000 + 1$\{na_up#*.} * 10 - 1000 )) ;;
    *) na_ms=$(( $(date +%s) * 1000 )) ;;
  esac
}

# Copy stdin to stdout, at most one byte more than the cap (so that truncation shows).
na_cap() {
  if [ "$NA_HEAD_C" = 1 ]; then head -c $((NA_MAX_BYTES + 1)); else cat; fi
}

na_watchdog() {
  na_i=0
  while [ "$na_i" -lt "$NA_TIMEOUT" ]; do
    sleep 1
    [ -f "$NA_TMP/done" ] && exit 0
    na_i=$((na_i + 1))
  done
  [ -f "$NA_TMP/done" ] && exit 0
  : >"$NA_TMP/timedout"
  read -r na_pid <"$NA_TMP/pid" 2>/dev/null || exit 0
  kill -KILL "-$na_pid" 2>/dev/null || kill -KILL "$na_pid" 2>/dev/null
}

# na_run ARGV...: run a command with the deadline and the output cap. Leaves its stdout in $NA_TMP/o
# and stderr in $NA_TMP/e; sets NA_RC (exit status, empty if unknown), NA_TIMED_OUT, NA_TRUNC, NA_MS.
na_run() {
  rm -f "$NA_TMP/rc" "$NA_TMP/pid" "$NA_TMP/timedout" "$NA_TMP/done"
  na_now_ms
  na_t0=$na_ms
  if [ "$NA_GNU_TIMEOUT" = 1 ]; then
    { timeout -s KILL "$NA_TIMEOUT" "$@" 2>"$NA_TMP/e" </dev/null; echo $? >"$NA_TMP/rc"; } | na_cap >"$NA_TMP/o"
  else
    if [ "$NA_SETSID" = 1 ]; then set -- setsid "$@"; fi
    { "$@" 2>"$NA_TMP/e" </dev/null & echo $! >"$NA_TMP/pid"; wait $!; echo $? >"$NA_TMP/rc"; } | na_cap >"$NA_TMP/o" &
    na_pipe=$!
    na_watchdog &
    na_wd=$!
    wait "$na_pipe"
    : >"$NA_TMP/done"
    kill "$na_wd" 2>/dev/null
  fi
  na_now_ms
  NA_MS=$((na_ms - na_t0))
  NA_RC=
  [ -s "$NA_TMP/rc" ] && read -r NA_RC <"$NA_TMP/rc"
  NA_TIMED_OUT=0
  if [ -f "$NA_TMP/timedout" ]; then
    NA_TIMED_OUT=1
  elif [ "$NA_GNU_TIMEOUT" = 1 ] && { [ "$NA_RC" = 137 ] || [ "$NA_RC" = 124 ]; } && [ "$NA_MS" -ge $((NA_TIMEOUT * 1000 - 20)) ]; then
    NA_TIMED_OUT=1
  fi
  NA_TRUNC=0
  na_size=$(wc -c <"$NA_TMP/o")
  if [ $((na_size)) -gt "$NA_MAX_BYTES" ]; then
    NA_TRUNC=1
    if [ "$NA_HEAD_C" = 1 ]; then
      head -c "$NA_MAX_BYTES" "$NA_TMP/o" >"$NA_TMP/o2"
    else
      dd if="$NA_TMP/o" of="$NA_TMP/o2" bs=1 count="$NA_MAX_BYTES" 2>/dev/null
    fi
    mv "$NA_TMP/o2" "$NA_TMP/o"
  fi
  na_size=$(wc -c <"$NA_TMP/e")
  if [ $((na_size)) -gt "$NA_MAX_STDERR" ] && [ "$NA_HEAD_C" = 1 ]; then
    head -c "$NA_MAX_STDERR" "$NA_TMP/e" >"$NA_TMP/e2"
    mv "$NA_TMP/e2" "$NA_TMP/e"
  fi
}

# First non-blank line of stderr, trimmed, at most 200 characters.
na_first_line() {
  awk '{ s = $0; sub(/^[ \t\r\f\v]+/, "", s); sub(/[ \t\r\f\v]+$/, "", s); if (s == "") next; if (length(s) > 200) s = substr(s, 1, 200) "\342\200\246"; print s; exit }' "$1"
}

# na_emit ID STATUS EXITCODE REASON: one source, stdout and stderr from $NA_TMP/o and $NA_TMP/e.
na_emit() {
  printf '%s"%s":{"status":"%s","command":' "$NA_SEP" "$1" "$2"
  na_json_str "$na_cmdline"
  printf ',"exitCode":%s,"stdout":' "$3"
  na_json_file "$NA_TMP/o"
  printf ',"stdoutEncoding":"%s","stderr":' "$NA_ENC"
  na_json_file "$NA_TMP/e"
  printf ',"stderrEncoding":"%s","durationMs":%s,"truncated":%s' "$NA_ENC" "$na_ms_out" "$na_trunc_out"
  if [ -n "$4" ]; then
    printf ',"reason":'
    na_json_str "$4"
  fi
  printf '}'
  NA_SEP=,
}

na_emit_skipped() {
  NA_RC=
  : >"$NA_TMP/o"
  : >"$NA_TMP/e"
  na_ms_out=0
  na_trunc_out=false
  na_emit "$1" "$2" null "$3"
}

# na_gate ID: sets na_reason when an iptables dump or nft must not run here (see iptables-gate.ts).
na_gate() {
  na_reason=
  [ "$NA_MODULES" = 1 ] || return 0
  case $1 in
    ip6*) na_leg=$NA_LEG6; na_lr=$NA_R_LEG6 ;;
    *) na_leg=$NA_LEG4; na_lr=$NA_R_LEG4 ;;
  esac
  case $1 in
    *-legacy-save) [ "$na_leg" = 1 ] || na_reason=$na_lr ;;
    *-nft-save|${NFT_SOURCE_IDS.join('|')}) [ "$NA_NFT" = 1 ] || na_reason=$NA_R_NFT ;;
    *)
      case $NA_BACKEND in
        legacy) [ "$na_leg" = 1 ] || na_reason=$na_lr ;;
        nf_tables) [ "$NA_NFT" = 1 ] || na_reason=$NA_R_NFT ;;
        *) [ "$na_leg" = 1 ] || [ "$NA_NFT" = 1 ] || na_reason=$NA_R_NONE ;;
      esac ;;
  esac
}

# na_source ID ARGV...: run one source in the current namespace and print it.
na_source() {
  na_id=$1
  shift
  na_cmdline="$NA_PFX_TEXT$*"
  if [ -n "$NA_SKIP_REASON" ]; then
    na_emit_skipped "$na_id" not-collected "$NA_SKIP_REASON"
    return 0
  fi
  if [ "$NA_PFX" = nsenter ]; then
    case $na_id in
      ${SYSFS_SOURCE_IDS.join('|')})
        na_emit_skipped "$na_id" not-collected "$NA_R_SYSFS"
        return 0 ;;
    esac
  fi
  case $na_id in
    *-legacy-save|*-nft-save|${[...NFT_SOURCE_IDS, ...OPTIONAL_TOOL_IDS].join('|')})
      if ! command -v "$1" >/dev/null 2>&1; then
        na_emit_skipped "$na_id" not-collected "$1 is not installed"
        return 0
      fi ;;
  esac
  case $na_id in
    iptables-save|ip6tables-save|*-legacy-save|*-nft-save|${NFT_SOURCE_IDS.join('|')})
      na_gate "$na_id"
      if [ -n "$na_reason" ]; then
        na_emit_skipped "$na_id" not-collected "$na_reason"
        return 0
      fi ;;
  esac
  if ! command -v "$1" >/dev/null 2>&1; then
    na_emit_skipped "$na_id" failed "$NA_R_NOT_FOUND"
    return 0
  fi
  case $NA_PFX in
    netns) set -- ip netns exec "$NA_PFX_ARG" "$@" ;;
    nsenter) set -- nsenter "--net=$NA_PFX_ARG" "$@" ;;
  esac
  na_run "$@"
  na_ms_out=$NA_MS
  na_trunc_out=false
  na_status=ok
  na_code=$\{NA_RC:-null}
  na_why=
  if [ "$NA_TIMED_OUT" = 1 ]; then
    na_status=failed
    na_code=null
    na_why="timed out after $NA_TIMEOUT s"
  elif [ "$NA_TRUNC" = 1 ]; then
    na_trunc_out=true
    na_code=null
    na_why="output cut at $(na_bytes "$NA_MAX_BYTES"), the size limit; the command was stopped"
  elif [ -z "$NA_RC" ]; then
    na_status=failed
    na_code=null
    na_why="killed by signal unknown"
  elif [ "$NA_RC" -gt 128 ] && [ "$NA_RC" -le 192 ]; then
    na_status=failed
    na_code=null
    na_why="killed by signal SIG$(kill -l "$NA_RC" 2>/dev/null)"
  elif [ "$NA_RC" -ne 0 ]; then
    na_status=failed
    na_line=$(na_first_line "$NA_TMP/e")
    if [ -n "$na_line" ]; then na_why="exit code $NA_RC: $na_line"; else na_why="exit code $NA_RC"; fi
  elif [ ! -s "$NA_TMP/o" ]; then
    na_status=empty
  fi
  na_emit "$na_id" "$na_status" "$na_code" "$na_why"
}

# "64 MiB" the way the Node collector prints sizes.
na_bytes() {
  if [ $(($1 % 1048576)) -eq 0 ]; then
    printf '%s MiB' $(($1 / 1048576))
  elif [ $(($1 % 1024)) -eq 0 ]; then
    printf '%s KiB' $(($1 / 1024))
  else
    printf '%s bytes' "$1"
  fi
}

# After iptables -V: which backend the plain iptables-save uses.
na_backend_from_version() {
  NA_BACKEND=unknown
  [ -n "$NA_SKIP_REASON" ] && return 0
  [ "$NA_RC" = 0 ] || return 0
  grep -Eq '^ip6?tables v[0-9]' "$NA_TMP/o" || return 0
  if grep -q '(nf_tables)' "$NA_TMP/o"; then NA_BACKEND=nf_tables; else NA_BACKEND=legacy; fi
}

# True when the current namespace's /proc/net/$1 lists at least one table.
na_lists_tables() {
  case $NA_PFX in
    host) na_f=$NA_PROC/net/$1 ;;
    nsenter) na_f=$NA_PFX_PIDDIR/net/$1 ;;
    netns)
      na_run ip netns exec "$NA_PFX_ARG" cat "$NA_PROC/net/$1"
      [ "$NA_RC" = 0 ] || return 1
      na_f=$NA_TMP/o ;;
  esac
  [ -r "$na_f" ] && grep -q '[^[:space:]]' "$na_f"
}

na_collect_sources() {
  NA_LEG4=0
  NA_LEG6=0
  NA_BACKEND=unknown
  NA_RC=
  if [ -z "$NA_SKIP_REASON" ] && [ "$NA_MODULES" = 1 ]; then
    na_lists_tables ip_tables_names && NA_LEG4=1
    na_lists_tables ip6_tables_names && NA_LEG6=1
  fi
  NA_SEP=
  printf '{'
${sourceCalls()}
  printf '}'
}

# "net:[4026531840]" of a /proc/<pid> directory, as the number.
na_netns_inode() {
  na_link=$(readlink "$1/ns/net" 2>/dev/null) || return 1
  case $na_link in
    net:\[*\]) na_link=$\{na_link#net:?}; printf '%s' "$\{na_link%?}" ;;
    *) return 1 ;;
  esac
}

na_named_list() {
  if ip netns list >"$NA_TMP/netns.raw" 2>/dev/null </dev/null; then
    awk '{ id = ""; if (match($0, /\(id: [0-9]+\)/)) id = substr($0, RSTART + 5, RLENGTH - 6); print $1 "\t" id }' "$NA_TMP/netns.raw"
  else
    ls "$NA_NETNS_DIR" 2>/dev/null | awk '{ print $0 "\t" }'
  fi
}

# na_namespace NAME KIND: the namespace object; NA_PFX* say how to enter it.
na_namespace() {
  printf ',{"name":'
  na_json_str "$1"
  printf ',"kind":"%s"' "$2"
  [ -n "$na_ns_inode" ] && printf ',"inode":%s' "$na_ns_inode"
  [ -n "$na_ns_nsid" ] && printf ',"nsid":%s' "$na_ns_nsid"
  if [ -n "$na_ns_pids" ]; then
    printf ',"pids":['
    na_sep=
    for na_p in $na_ns_pids; do
      printf '%s%s' "$na_sep" "$na_p"
      na_sep=,
    done
    printf '],"processes":['
    na_sep=
    : >"$NA_TMP/comms"
    for na_p in $na_ns_pids; do
      na_comm=
      { read -r na_comm <"$NA_PROC/$na_p/comm"; } 2>/dev/null || continue
      grep -qxF -e "$na_comm" "$NA_TMP/comms" && continue
      printf '%s\n' "$na_comm" >>"$NA_TMP/comms"
      printf '%s' "$na_sep"
      na_json_str "$na_comm"
      na_sep=,
    done
    printf ']'
  fi
  printf ',"sources":'
  na_collect_sources
  printf ',"files":'
  na_file_sources
  printf '}'
}

# na_named_namespace NAME: collect it, unless its inode is one already collected (in na_seen_inodes).
na_named_namespace() {
  na_ns_nsid=
  while IFS="$NA_TAB" read -r na_n na_nsid <&3; do
    [ "$na_n" = "$1" ] && na_ns_nsid=$na_nsid
  done 3<"$NA_TMP/netns.all"
  na_ns_inode=
  if [ -e "$NA_NETNS_DIR/$1" ]; then
    set -- "$1" $(ls -id "$NA_NETNS_DIR/$1" 2>/dev/null)
    na_ns_inode=$\{2:-}
  fi
  if [ -n "$na_ns_inode" ]; then
    if [ "$na_ns_inode" = "$na_host_inode" ]; then
      na_note "network namespace \"$1\" is the collector's own: collected once, as host"
      return 0
    fi
    na_first=$(awk -v i="$na_ns_inode" '$1 == i { print $2; exit }' "$NA_TMP/netns.seen")
    if [ -n "$na_first" ]; then
      na_note "network namespace \"$1\" is the same namespace as \"$na_first\": collected once, as \"$na_first\""
      return 0
    fi
    printf '%s %s\n' "$na_ns_inode" "$1" >>"$NA_TMP/netns.seen"
  fi
  na_ns_pids=
  NA_PFX=netns
  NA_PFX_ARG=$1
  NA_PFX_TEXT="ip netns exec $1 "
  NA_SKIP_REASON=
  NA_OTHERS=1
  na_namespace "$1" named
}

na_namespaces() {
  NA_PFX=host
  NA_PFX_ARG=
  NA_PFX_TEXT=
  NA_PFX_PIDDIR=
  NA_SKIP_REASON=
  na_host_inode=$(na_netns_inode "$NA_PROC/self")
  printf '[{"name":"host","kind":"host"'
  [ -n "$na_host_inode" ] && printf ',"inode":%s' "$na_host_inode"
  printf ',"sources":'
  na_collect_sources
  printf ',"files":'
  na_file_sources
  printf '}'

  [ "$NA_ALL" = 1 ] || [ -s "$NA_TMP/netns.todo" ] || { printf ']'; return 0; }
  if [ "$NA_ALL" = 1 ]; then
    na_named_list >"$NA_TMP/netns.all"
    cut -f 1 "$NA_TMP/netns.all" | sort >"$NA_TMP/netns.todo"
  fi
  # Inodes of every named namespace, duplicates included: none of them is a container's.
  na_skip_inodes=$na_host_inode
  : >"$NA_TMP/netns.seen"
  while read -r na_name <&4; do
    [ -n "$na_name" ] || continue
    na_named_namespace "$na_name"
    [ -n "$na_ns_inode" ] && na_skip_inodes="$na_skip_inodes $na_ns_inode"
  done 4<"$NA_TMP/netns.todo"

  if [ "$NA_ALL" = 1 ]; then
    ls -l "$NA_PROC"/[0-9]*/ns/net 2>/dev/null | awk -v skip="$na_skip_inodes" "$NA_AWK_GROUP" | sort -n >"$NA_TMP/containers"
    while read -r na_low na_inode na_pids <&5; do
      na_ns_inode=$na_inode
      na_ns_nsid=
      na_ns_pids=$(printf '%s\n' $na_pids | sort -n | tr '\n' ' ')
      NA_PFX=nsenter
      NA_PFX_PIDDIR=$NA_PROC/$na_low
      NA_PFX_ARG=$NA_PFX_PIDDIR/ns/net
      NA_PFX_TEXT="nsenter --net=$NA_PFX_ARG "
      NA_SKIP_REASON=
      command -v nsenter >/dev/null 2>&1 || NA_SKIP_REASON='nsenter not found: cannot enter the namespace of a process'
      NA_OTHERS=1
      na_namespace "pid:$na_low" container
    done 5<"$NA_TMP/containers"
    [ "$NA_OTHERS" = 1 ] || na_note "$NA_NO_OTHER_NS"
  fi
  printf ']'
}

# File sources (host-files.ts). na_file_sources: the "files" object of the current namespace's view:
# the host's own (NA_PFX=host), a named namespace's (/etc/netns/NAME/X over /etc/X, as ip netns exec
# mounts them), a container's (its mount namespace through /proc/PID/root).
na_file_sources() {
  if [ "$NA_PFX" = nsenter ]; then na_froot=$NA_PFX_PIDDIR/root; else na_froot=$NA_ROOT; fi
  NA_FSEP=
  printf '{'
${fileSourceCalls()}
  printf '}'
}

# na_fsrc_begin MAX_BYTES PROCESSES: start a file source.
na_fsrc_begin() {
  NA_FMAX=$1
  NA_FPROCS=$2
  : >"$NA_TMP/fs.entries"
  na_fesep=
  na_fok=0
  na_fprob=
  na_fcount=0
}

# na_fmatch PATH WILDCARD: read PATH (as the view sees it) unless a process filter drops it; a file a
# wildcard matched that is gone by now is not recorded.
na_fmatch() {
  if [ -n "$NA_FPROCS" ]; then
    na_fpid=$\{1#/proc/}
    na_fpid=$\{na_fpid%%/*}
    case $na_fpid in ''|*[!0-9]*) return 0 ;; esac
    na_fcomm=
    { IFS= read -r na_fcomm <"$NA_PROC/$na_fpid/comm"; } 2>/dev/null || return 0
    case " $NA_FPROCS " in *" $na_fcomm "*) ;; *) return 0 ;; esac
  fi
  na_fread "$1"
  [ "$2" = 1 ] && [ "$na_fst" = absent ] && return 0
  na_femit
}

# na_fnone PATTERN: nothing was recorded for the pattern: it is recorded as absent.
na_fnone() {
  [ "$na_fcount" = "$na_fbefore" ] || return 0
  na_fp=$1
  na_fshown=
  na_flink=
  na_fst=absent
  na_fwhy=
  [ -n "$NA_FPROCS" ] && na_fwhy="no process named $(printf '%s' "$NA_FPROCS" | sed 's/ /, /g')"
  na_femit
}

# Lexically normalised absolute path (.. never climbs above /).
na_fnorm() {
  printf '%s\n' "$1" | awk -F/ '{ n = 0; for (i = 1; i <= NF; i++) { if ($i == "" || $i == ".") continue; if ($i == "..") { if (n > 0) n--; continue } s[++n] = $i } o = ""; for (i = 1; i <= n; i++) o = o "/" s[i]; print (o == "" ? "/" : o) }'
}

# na_fread PATH: sets na_fst, na_fwhy, na_flink, na_fshown; the content in $NA_TMP/ff when ok.
na_fread() {
  na_fp=$1
  na_fshown=
  na_flink=
  na_fst=ok
  na_fwhy=
  case $na_fp in
    /proc/*) na_fdir=$NA_PROC; na_frel=$\{na_fp#/proc} ;;
    *)
      na_fdir=$na_froot
      na_frel=$na_fp
      [ "$NA_PFX" = nsenter ] && na_fshown="/proc/$\{NA_PFX_PIDDIR##*/}/root$na_fp" ;;
  esac
  if [ "$NA_PFX" = netns ]; then
    case $na_fp in
      /etc/*)
        na_fo="/etc/netns/$NA_PFX_ARG/$\{na_fp#/etc/}"
        if [ -e "$na_fdir$na_fo" ] || [ -L "$na_fdir$na_fo" ]; then
          na_frel=$na_fo
          na_fshown=$na_fo
        fi ;;
    esac
  fi
  na_hops=0
  while [ -L "$na_fdir$na_frel" ]; do
    if [ "$na_hops" -ge 40 ]; then
      na_fst=unreadable
      na_fwhy=$NA_R_LOOP
      return 0
    fi
    na_ft=$(readlink "$na_fdir$na_frel")
    [ "$na_hops" = 0 ] && na_flink=$na_ft
    case $na_ft in
      /*) na_frel=$(na_fnorm "$na_ft") ;;
      *) na_frel=$(na_fnorm "$\{na_frel%/*}/$na_ft") ;;
    esac
    na_hops=$((na_hops + 1))
  done
  if [ ! -e "$na_fdir$na_frel" ]; then
    na_fst=absent
    [ "$na_hops" -gt 0 ] && na_fwhy=$NA_R_BROKEN
  elif [ ! -f "$na_fdir$na_frel" ]; then
    na_fst=unreadable
    na_fwhy=$NA_R_NOTREG
  elif [ ! -r "$na_fdir$na_frel" ] || ! { if [ "$NA_HEAD_C" = 1 ]; then head -c $((NA_FMAX + 1)) <"$na_fdir$na_frel"; else cat <"$na_fdir$na_frel"; fi; } >"$NA_TMP/ff" 2>/dev/null; then
    na_fst=unreadable
    na_fwhy='permission denied'
  else
    na_size=$(wc -c <"$NA_TMP/ff")
    if [ $((na_size)) -gt "$NA_FMAX" ]; then
      na_fst=too-large
      na_fwhy="larger than $NA_FMAX bytes, not read"
    fi
  fi
}

# One entry of the current file source, from na_fp, na_fshown, na_fst, na_fwhy, na_flink and $NA_TMP/ff.
na_femit() {
  {
    printf '%s{"path":' "$na_fesep"
    na_json_str "$na_fp"
    if [ -n "$na_fshown" ]; then
      printf ',"readFrom":'
      na_json_str "$na_fshown"
    fi
    printf ',"status":"%s"' "$na_fst"
    if [ -n "$na_fwhy" ]; then
      printf ',"reason":'
      na_json_str "$na_fwhy"
    fi
    if [ -n "$na_flink" ]; then
      printf ',"linkTarget":'
      na_json_str "$na_flink"
    fi
    if [ "$na_fst" = ok ]; then
      printf ',"content":'
      na_json_file "$NA_TMP/ff"
      printf ',"encoding":"%s"' "$NA_ENC"
    fi
    printf '}'
  } >>"$NA_TMP/fs.entries"
  na_fesep=,
  na_fcount=$((na_fcount + 1))
  case $na_fst in
    ok) na_fok=1 ;;
    absent) ;;
    *) na_fprob="$na_fprob$\{na_fprob:+; }$na_fp: $na_fwhy" ;;
  esac
}

# na_fsrc_end ID: print the source: ok (a file read), empty (nothing there), failed (nothing readable).
na_fsrc_end() {
  printf '%s"%s":{"status":' "$NA_FSEP" "$1"
  if [ "$na_fok" = 1 ]; then
    printf '"ok"'
  elif [ -z "$na_fprob" ]; then
    printf '"empty"'
  else
    printf '"failed","reason":'
    na_json_str "$na_fprob"
  fi
  printf ',"files":['
  cat "$NA_TMP/fs.entries"
  printf ']}'
  NA_FSEP=,
}

# Before anything runs: every namespace named with --netns must exist.
na_check_named() {
  [ "$NA_ALL" = 0 ] && [ -s "$NA_TMP/netns.todo" ] || return 0
  na_named_list >"$NA_TMP/netns.all"
  cut -f 1 "$NA_TMP/netns.all" >"$NA_TMP/netns.known"
  na_missing=
  while read -r na_name; do
    grep -qxF -e "$na_name" "$NA_TMP/netns.known" || na_missing="$na_missing$\{na_missing:+, }\"$na_name\""
  done <"$NA_TMP/netns.todo"
  [ -z "$na_missing" ] || na_die "--netns: no network namespace named $na_missing (\`ip netns list\` lists the named namespaces; --netns all collects every namespace)"
}

# na_sysctl_file PATH RECORDED_AS: one persisted file into $NA_TMP/sysctl.files.
na_sysctl_file() {
  [ -e "$1" ] || return 0
  [ -f "$1" ] || [ -c "$1" ] || return 0
  if [ ! -r "$1" ] || ! cat "$1" >"$NA_TMP/sf" 2>/dev/null; then
    printf '%s\n' "$2: permission denied" >>"$NA_TMP/sysctl.problems"
    return 0
  fi
  na_size=$(wc -c <"$NA_TMP/sf")
  if [ $((na_size)) -gt "$NA_MAX_BYTES" ]; then
    na_note "$2: larger than $NA_MAX_BYTES bytes, not collected"
    return 0
  fi
  {
    printf '%s{"path":' "$na_fsep"
    na_json_str "$2"
    printf ',"content":'
    na_json_file "$NA_TMP/sf"
    printf ',"encoding":"%s"}' "$NA_ENC"
  } >>"$NA_TMP/sysctl.files"
  na_fsep=,
}

na_sysctl_files() {
  : >"$NA_TMP/sysctl.files"
  : >"$NA_TMP/sysctl.problems"
  na_fsep=
  for na_d in ${SYSCTL_D_DIRS.join(' ')}; do
    if [ "$na_d" = ${SPLIT_USR_SYSCTL_D} ] && [ -d "$NA_ROOT$na_d" ] && [ -d "$NA_ROOT/usr/lib/sysctl.d" ] \
      && [ "$(cd "$NA_ROOT$na_d" && pwd -P)" = "$(cd "$NA_ROOT/usr/lib/sysctl.d" && pwd -P)" ]; then
      continue
    fi
    if [ -d "$NA_ROOT$na_d" ] && [ ! -r "$NA_ROOT$na_d" ]; then
      printf '%s\n' "$na_d: permission denied" >>"$NA_TMP/sysctl.problems"
    fi
    for na_f in "$NA_ROOT$na_d"/*.conf; do
      na_sysctl_file "$na_f" "$na_d/$\{na_f##*/}"
    done
  done
  na_sysctl_file "$NA_ROOT${MAIN_SYSCTL_CONF}" ${MAIN_SYSCTL_CONF}
  if [ -s "$NA_TMP/sysctl.problems" ] && [ -z "$na_fsep" ]; then
    printf '{"status":"failed","reason":'
    na_json_str "$(awk '{ printf "%s%s", s, $0; s = "; " }' "$NA_TMP/sysctl.problems")"
    printf ',"files":[]}'
    return 0
  fi
  while read -r na_problem; do
    na_note "persisted sysctl file not read: $na_problem"
  done <"$NA_TMP/sysctl.problems"
  if [ -z "$na_fsep" ]; then na_st=empty; else na_st=ok; fi
  printf '{"status":"%s","files":[' "$na_st"
  cat "$NA_TMP/sysctl.files"
  printf ']}'
}

na_meta() {
  printf '{"hostname":'
  na_json_str "$(uname -n 2>/dev/null)"
  printf ',"kernel":'
  na_json_str "$(uname -r 2>/dev/null)"
  printf ',"collectedAt":"%s"' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf ',"collector":{"name":"%s","version":"%s"}' "$NA_COLLECTOR" "$NA_VERSION"
  printf ',"user":{'
  na_uid=$(id -u 2>/dev/null)
  na_sep=
  case $na_uid in
    ''|*[!0-9]*) ;;
    *) printf '"uid":%s' "$na_uid"; na_sep=, ;;
  esac
  na_user=$(id -un 2>/dev/null)
  if [ -n "$na_user" ]; then
    printf '%s"name":' "$na_sep"
    na_json_str "$na_user"
  fi
  printf '},"notes":['
  na_sep=
  while read -r na_line; do
    printf '%s' "$na_sep"
    na_json_str "$na_line"
    na_sep=,
  done <"$NA_TMP/notes"
  printf '],"netnsRequested":'
  if [ "$NA_ALL" = 1 ]; then
    printf '"all"'
  else
    printf '['
    na_sep=
    while read -r na_line; do
      printf '%s' "$na_sep"
      na_json_str "$na_line"
      na_sep=,
    done <"$NA_TMP/netns.todo"
    printf ']'
  fi
  printf '}'
}

na_main() {
  [ "$(id -u 2>/dev/null)" = 0 ] || na_note "$NA_NOT_ROOT"
  NA_OTHERS=0
  if [ -e "$NA_PROC/modules" ]; then NA_MODULES=1; else NA_MODULES=0; fi
  NA_NFT=0
  if [ "$NA_MODULES" = 1 ] && grep -q '^nf_tables ' "$NA_PROC/modules" 2>/dev/null; then NA_NFT=1; fi
  [ -e "$NA_SYS/module/nf_tables" ] && NA_NFT=1
  printf '{"schema":"netaudit/snapshot@1","namespaces":'
  na_namespaces
  printf ',"sysctlFiles":'
  na_sysctl_files
  printf ',"meta":'
  na_meta
  printf '}\n'
}

na_check_named
na_main >"$NA_TMP/snapshot.json"
if [ "$NA_OUT" = - ]; then
  cat "$NA_TMP/snapshot.json"
  exit 0
fi
case $NA_OUT in
  *.gz)
    if command -v gzip >/dev/null 2>&1; then
      gzip -c "$NA_TMP/snapshot.json" >"$NA_TMP/snapshot.json.gz" && mv "$NA_TMP/snapshot.json.gz" "$NA_TMP/snapshot.json"
    else
      printf 'netaudit-collect: gzip not found: %s holds plain JSON (netaudit reads it all the same)\n' "$NA_OUT" >&2
    fi ;;
esac
{ cat "$NA_TMP/snapshot.json" >"$NA_OUT.tmp.$$" && mv "$NA_OUT.tmp.$$" "$NA_OUT"; } || {
  rm -f "$NA_OUT.tmp.$$"
  na_die "cannot write $NA_OUT"
}
`;
  return script.replace(SH_BRACE, '${');
}
