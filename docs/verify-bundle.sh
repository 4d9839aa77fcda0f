#!/bin/sh
# verify-bundle.sh BUNDLE_DIR [--witness NAME=WITNESS.pub.pem ...] [--witness-threshold K]
#
# Checks a csledger report bundle (interchange spec v1, section 5) with openssl,
# sha256sum and standard shell tools only. It does not run csledger.
#
#  1. manifest.sig is the facility key's Ed25519 signature over manifest.json;
#  2. every file listed in the manifest has the listed size and SHA-256;
#  3. the checkpoint in the manifest is signed by the facility key (C2SP note);
#  4. every entry's signatures verify with keys enrolled by earlier entries
#     of the bundle (genesis, actor.enrolled) and not revoked before it;
#  5. every entry's RFC 9162 inclusion proof leads to the checkpoint's root;
#  6. with --witness (repeatable): at least K (default 1) of those witnesses
#     cosigned the checkpoint (C2SP cosignature/v1: key id, time, Ed25519).
#
# Prints one line per failure ("FAIL file [seq N]: why") and exits 1 if any.
set -u
LC_ALL=C
export LC_ALL

B=${1:?usage: verify-bundle.sh BUNDLE_DIR [--witness NAME=WITNESS.pub.pem ...] [--witness-threshold K]}
shift
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
K=1
: > "$T/witnesses"
while [ $# -gt 0 ]; do
  case "$1" in
    --witness) [ $# -ge 2 ] || { echo "--witness needs NAME=WITNESS.pub.pem"; exit 2; }
               n=${2%%=*}; f=${2#*=}
               case "$f" in /*) ;; *) f="$PWD/$f" ;; esac
               printf '%s %s\n' "$n" "$f" >> "$T/witnesses"; shift 2 ;;
    --witness-threshold) [ $# -ge 2 ] || { echo "--witness-threshold needs K"; exit 2; }
               K=$2; shift 2 ;;
    *) echo "unknown argument: $1"; exit 2 ;;
  esac
done
case "$K" in '' | *[!0-9]* | 0) echo "--witness-threshold must be a positive number"; exit 2 ;; esac
cd "$B" || exit 2
FAILS=0
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }

# SHA-256 of standard input, raw 32 bytes.
h() { openssl dgst -sha256 -binary; }
b64d() { base64 -d 2>/dev/null; }
# The 12-byte DER header of an Ed25519 public key (302a300506032b6570032100).
spki() { printf '\060\052\060\005\006\003\053\145\160\003\041\000'; }

# --- 1. The manifest's signature -------------------------------------------
for f in manifest.json manifest.sig facility.pub.pem; do
  if [ ! -f "$f" ] || [ -L "$f" ]; then fail "$f: missing or not a regular file"; exit 1; fi
done
if openssl pkeyutl -verify -pubin -inkey facility.pub.pem -rawin \
     -in manifest.json -sigfile manifest.sig >/dev/null 2>&1; then
  echo "ok   manifest.sig: signed by the facility key"
else
  fail "manifest.sig: not the facility key's signature over manifest.json"
fi
openssl pkey -pubin -in facility.pub.pem -outform DER 2>/dev/null | tail -c 32 > "$T/facility.raw"

# --- 2. Every listed file: size and SHA-256 --------------------------------
# manifest.json is canonical JSON on one line; each file is
# {"bytes":N,"path":"NAME","sha256":"HEX"} and names hold only [A-Za-z0-9._-].
grep -o '{"bytes":[0-9]*,"path":"[^"]*","sha256":"[0-9a-f]*"}' manifest.json |
  sed 's/{"bytes":\([0-9]*\),"path":"\([^"]*\)","sha256":"\([0-9a-f]*\)"}/\1 \2 \3/' > "$T/files"
while read -r size path sum; do
  case "$path" in
    */* | .* | "") fail "$path: not a plain file name inside the bundle; not opened"; continue ;;
  esac
  if [ ! -f "$path" ] || [ -L "$path" ]; then fail "$path: missing or not a regular file"; continue; fi
  [ "$(wc -c < "$path" | tr -d ' ')" = "$size" ] || fail "$path: size differs from the manifest"
  [ "$(sha256sum "$path" | cut -d' ' -f1)" = "$sum" ] || fail "$path: SHA-256 differs from the manifest"
done < "$T/files"
echo "ok   $(wc -l < "$T/files" | tr -d ' ') files listed in the manifest checked"
grep -q ' entries.jsonl ' "$T/files" || fail "manifest.json: does not list entries.jsonl"
grep -q ' proofs.json ' "$T/files" || fail "manifest.json: does not list proofs.json"

# --- 3. The checkpoint (C2SP signed note) ----------------------------------
# Its JSON string holds only \n escapes; printf %b turns them into newlines.
printf '%b' "$(sed 's/.*"checkpoint":"\([^"]*\)".*/\1/' manifest.json)" > "$T/checkpoint"
ORIGIN=$(sed -n 1p "$T/checkpoint")
SIZE=$(sed -n 2p "$T/checkpoint")
ROOT=$(sed -n 3p "$T/checkpoint")
head -n 3 "$T/checkpoint" > "$T/note"          # the signed text: three lines, each ending in \n
grep "^— $ORIGIN " "$T/checkpoint" | head -n 1 | sed 's/.* //' | b64d > "$T/notesig"
{ printf '%s\n\001' "$ORIGIN"; cat "$T/facility.raw"; } | h | head -c 4 > "$T/keyhash"
head -c 4 "$T/notesig" > "$T/sighash"
tail -c 64 "$T/notesig" > "$T/sig64"
if cmp -s "$T/keyhash" "$T/sighash" &&
   openssl pkeyutl -verify -pubin -inkey facility.pub.pem -rawin -in "$T/note" -sigfile "$T/sig64" >/dev/null 2>&1; then
  echo "ok   checkpoint: $SIZE entries, signed by the facility key for $ORIGIN"
else
  fail "manifest.json: the checkpoint is not signed by the facility key"
fi

# --- 4. Entries and their signatures ---------------------------------------
# An entry line is canonical JSON: {"logged":..,"prev":..,"seq":N,"sigs":[..],"statement":{..}}.
# The statement's bytes (what each signer signed) are everything after the
# first ,"statement": up to the final }.
mkdir "$T/keys"
n=0
while IFS= read -r line; do
  n=$((n + 1))
  seq=$(printf '%s' "$line" | sed 's/^{"logged":"[^"]*","prev":"[0-9a-f]*","seq":\([0-9]*\),.*/\1/')
  case "$seq" in '' | *[!0-9]*) fail "entries.jsonl line $n: not an entry"; continue ;; esac
  printf '%s' "$line" > "$T/e$seq"
  stmt=${line#*,\"statement\":}
  printf '%s' "${stmt%\}}" > "$T/s$seq"
  type=$(sed 's/.*"type":"\([^"]*\)","v":1.*/\1/' "$T/s$seq")
  # Key ids enrolled by this entry: genesis (facility) or actor.enrolled.
  if [ "$type" = ledger.created ] || [ "$type" = actor.enrolled ]; then
    pk=$(sed 's/.*"public_key":"\([^"]*\)".*/\1/' "$T/s$seq")
    printf '%s' "$pk" | b64d > "$T/raw"
    kid=$(sha256sum < "$T/raw" | cut -d' ' -f1)
    { spki; cat "$T/raw"; } > "$T/keys/$kid.der"
    echo "$seq" > "$T/keys/$kid.enrolled"
    [ "$type" = ledger.created ] && { cmp -s "$T/raw" "$T/facility.raw" || fail "entries.jsonl seq $seq: genesis enrols another facility key"; echo -1 > "$T/keys/$kid.enrolled"; }
  fi
  # Each signature: {"key":"<key id>","sig":"<b64>"}.
  printf '%s' "$line" | sed 's/.*"sigs":\[\(.*\)\],"statement":.*/\1/' | tr '}' '\n' |
    sed -n 's/.*"key":"\([0-9a-f]*\)","sig":"\([^"]*\)".*/\1 \2/p' > "$T/sigs"
  [ -s "$T/sigs" ] || fail "entries.jsonl seq $seq: no signatures"
  while read -r kid sig; do
    if [ ! -f "$T/keys/$kid.der" ]; then fail "entries.jsonl seq $seq: signed by key ${kid%"${kid#????????????}"} not enrolled in the bundle"; continue; fi
    if [ "$(cat "$T/keys/$kid.enrolled")" -ge "$seq" ] && [ "$seq" -ne 0 ]; then fail "entries.jsonl seq $seq: key enrolled only later"; fi
    if [ -f "$T/keys/$kid.revoked" ] && [ "$(cat "$T/keys/$kid.revoked")" -lt "$seq" ]; then fail "entries.jsonl seq $seq: key revoked before this entry"; fi
    printf '%s' "$sig" | b64d > "$T/sig"
    openssl pkeyutl -verify -pubin -keyform DER -inkey "$T/keys/$kid.der" -rawin -in "$T/s$seq" -sigfile "$T/sig" >/dev/null 2>&1 ||
      fail "entries.jsonl seq $seq: signature by ${kid%"${kid#????????????}"} does not verify"
  done < "$T/sigs"
  if [ "$type" = actor.revoked ]; then
    rk=$(sed 's/.*"key":"\([0-9a-f]*\)".*/\1/' "$T/s$seq")
    echo "$seq" > "$T/keys/$rk.revoked"
  fi
  echo "$seq" >> "$T/seqs"
done < entries.jsonl
echo "ok   $n entries read, signatures checked"

# --- 5. Inclusion proofs (RFC 9162 section 2.1.3.2) ------------------------
# proofs.json holds one proof a line, in the order of entries.jsonl:
# {"leaf_index":I,"path":["<b64>",...],"tree_size":N}
grep '^{"leaf_index":' proofs.json > "$T/proofs"
[ "$(wc -l < "$T/proofs" | tr -d ' ')" = "$n" ] || fail "proofs.json: not one proof per entry"
i=0
while IFS= read -r p; do
  i=$((i + 1))
  seq=$(sed -n "${i}p" "$T/seqs")
  idx=$(printf '%s' "$p" | sed 's/.*"leaf_index":\([0-9]*\).*/\1/')
  size=$(printf '%s' "$p" | sed 's/.*"tree_size":\([0-9]*\).*/\1/')
  [ "$idx" = "$seq" ] || { fail "proofs.json seq $seq: proof $i is for leaf $idx"; continue; }
  [ "$size" = "$SIZE" ] || { fail "proofs.json seq $seq: proof is not against the checkpoint's tree"; continue; }
  { printf '\000'; cat "$T/e$seq"; } | h > "$T/r"   # the leaf hash
  fn=$idx; sn=$((size - 1)); ok=1
  for x in $(printf '%s' "$p" | sed 's/.*"path":\[\(.*\)\].*/\1/' | tr -d '"' | tr ',' ' '); do
    printf '%s' "$x" | b64d > "$T/x"
    if [ "$sn" -eq 0 ]; then ok=0; break; fi
    if [ $((fn % 2)) -eq 1 ] || [ "$fn" -eq "$sn" ]; then
      { printf '\001'; cat "$T/x" "$T/r"; } | h > "$T/r2"
      if [ $((fn % 2)) -eq 0 ]; then
        while [ $((fn % 2)) -eq 0 ] && [ "$fn" -ne 0 ]; do fn=$((fn / 2)); sn=$((sn / 2)); done
      fi
    else
      { printf '\001'; cat "$T/r" "$T/x"; } | h > "$T/r2"
    fi
    mv "$T/r2" "$T/r"
    fn=$((fn / 2)); sn=$((sn / 2))
  done
  if [ "$ok" -ne 1 ] || [ "$sn" -ne 0 ] || [ "$(base64 < "$T/r")" != "$ROOT" ]; then
    fail "proofs.json seq $seq: the inclusion proof does not reach the checkpoint's root"
  fi
done < "$T/proofs"
echo "ok   $i inclusion proofs checked against the root $ROOT"

# --- 6. Witness cosignatures (C2SP tlog-cosignature), when --witness is given --
# A line "— NAME base64(key id || 8-byte big-endian time || 64-byte signature)"; the key id is
# sha256(NAME || 0x0A || 0x04 || raw key)[:4]; the signed message is "cosignature/v1\n",
# "time <decimal>\n" and the checkpoint's text (every line before the blank one).
if [ -s "$T/witnesses" ]; then
  sed '/^$/,$d' "$T/checkpoint" > "$T/cptext"
  COSIGNED=0
  while read -r wname wpub; do
    openssl pkey -pubin -in "$wpub" -outform DER 2>/dev/null | tail -c 32 > "$T/w.raw"
    [ -s "$T/w.raw" ] || { fail "witness $wname: cannot read the public key $wpub"; continue; }
    { printf '%s\n\004' "$wname"; cat "$T/w.raw"; } | h | head -c 4 > "$T/wid"
    good=0
    grep -F "— $wname " "$T/checkpoint" | sed 's/.* //' > "$T/wlines"
    while read -r b64; do
      printf '%s' "$b64" | b64d > "$T/cs"
      [ "$(wc -c < "$T/cs" | tr -d ' ')" = 76 ] || continue
      head -c 4 "$T/cs" | cmp -s - "$T/wid" || continue
      t=$(head -c 12 "$T/cs" | tail -c 8 | od -An -tu1 | awk '{ for (i = 1; i <= NF; i++) t = t * 256 + $i } END { printf "%.0f", t }')
      { printf 'cosignature/v1\ntime %s\n' "$t"; cat "$T/cptext"; } > "$T/cmsg"
      tail -c 64 "$T/cs" > "$T/csig"
      if openssl pkeyutl -verify -pubin -inkey "$wpub" -rawin -in "$T/cmsg" -sigfile "$T/csig" >/dev/null 2>&1; then good=1; fi
    done < "$T/wlines"
    if [ "$good" -eq 1 ]; then COSIGNED=$((COSIGNED + 1)); echo "ok   checkpoint cosigned by witness $wname"; fi
  done < "$T/witnesses"
  [ "$COSIGNED" -ge "$K" ] || fail "manifest.json: the checkpoint is cosigned by $COSIGNED of the given witnesses; $K needed"
fi

if [ "$FAILS" -ne 0 ]; then echo "FAILED: $FAILS problem(s)"; exit 1; fi
echo "OK: the bundle is signed by the facility, unchanged, and every entry is signed and in the checkpoint"
