#!/usr/bin/env bash
# The README's walkthrough as a curl script (bash, curl and jq; unzip to unpack the pack):
# create a product, check a name, store the design, lock a snapshot, export the manufacturing
# pack and save it to disk.
#
#     examples/personalize.sh "Chloé" [out_dir]
#
# It talks to `make run` through .local/demo.json (or ATELIER_API_URL and ATELIER_SECRET_KEY,
# e.g. a `dev` stage). Prints one line per step, like examples/personalize.py; exits 1 with the
# API's error code if a step is refused.
set -euo pipefail

if [ $# -lt 1 ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
NAME=$1
OUT=${2:-atelier-pack}
API=${ATELIER_API_URL:-$(jq -r .api_url .local/demo.json)}
SK=${ATELIER_SECRET_KEY:-$(jq -r .secret_key .local/demo.json)}

# call METHOD PATH [JSON]: the answer's body on stdout; on an HTTP error, its code and exit 1.
# create PATH JSON: a POST with a fresh Idempotency-Key, so a retried create never makes two.
call() {
  local method=$1 path=$2 body=${3-}
  local args=(-sS -X "$method" "$API$path" -H "Authorization: Bearer $SK" -w '\n%{http_code}')
  if [ -n "$body" ]; then
    args+=(-H 'Content-Type: application/json' -d "$body")
  fi
  if [ -n "${IDEMPOTENT-}" ]; then
    args+=(-H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)")
  fi
  local answer status
  answer=$(curl "${args[@]}")
  status=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  if [ "$status" -ge 400 ]; then
    echo "$method $path: $status $(jq -r '.error | "\(.code): \(.message)"' <<<"$answer")" >&2
    exit 1
  fi
  printf '%s\n' "$answer"
}
create() { IDEMPOTENT=1 call POST "$@"; }

PRODUCT=$(create /v1/products '{
  "name": "Oak keyring", "sku": "KEY-OAK", "status": "active", "width_mm": 60, "height_mm": 25,
  "die_line": {"shape": "rectangle", "corner_radius_mm": 5, "width_mm": 60, "height_mm": 25},
  "zones": [{"id": "name", "name": "Name", "kind": "text", "process": "engrave",
             "x_mm": 5, "y_mm": 4, "width_mm": 50, "height_mm": 17, "max_chars": 12,
             "fonts": ["lato-regular", "amatic-sc-regular"], "min_size_mm": 3, "max_size_mm": 14,
             "colors": ["#000000"]}]}' | jq -r .product_id)
echo "product $PRODUCT"

# jq builds the body, so any name (quotes, accents) is sent as proper JSON
DESIGN=$(jq -nc --arg product "$PRODUCT" --arg name "$NAME" \
  '{product_id: $product, inputs: {name: {text: $name, font: "amatic-sc-regular"}}}')
CHECKED=$(call POST /v1/personalization/validate "$DESIGN")
if [ "$(jq -r .valid <<<"$CHECKED")" != true ]; then
  echo "refused $(jq -c '[.errors[].code]' <<<"$CHECKED")"
  exit 1
fi
echo "valid, font size $(jq -r .layout.name.font_size_mm <<<"$CHECKED") mm"

SPEC=$(create /v1/specs "$DESIGN" | jq -r .spec_hash)
SNAP=$(create /v1/snapshots "$(jq -nc --arg spec "$SPEC" '{spec_hash: $spec}')" |
  jq -r .snapshot_id)
call POST "/v1/snapshots/$SNAP/lock" >/dev/null
echo "locked $SNAP"

PACK=$(create /v1/manufacturing/export-pack \
  "$(jq -nc --arg snap "$SNAP" '{snapshot_id: $snap}')" | jq -r .pack_id)
for _ in $(seq 180); do
  STATUS=$(call GET "/v1/manufacturing/packs/$PACK" | jq -r .status)
  case $STATUS in succeeded | failed) break ;; esac
  sleep 1
done
case $STATUS in
  succeeded) ;;
  failed)
    echo "pack $PACK failed: $(call GET "/v1/manufacturing/packs/$PACK" | jq -c .error)" >&2
    exit 1
    ;;
  *) echo "pack $PACK still $STATUS after 3 minutes" >&2; exit 1 ;;
esac

mkdir -p "$OUT"
curl -sS --fail -o "$OUT/$PACK.zip" "$(call GET "/v1/manufacturing/packs/$PACK" | jq -r .url)"
unzip -qo "$OUT/$PACK.zip" -d "$OUT"
unzip -Z1 "$OUT/$PACK.zip" | while read -r member; do echo "file $OUT/$member"; done
echo "pack $OUT/$PACK.zip"
