#!/usr/bin/env bash
# Regenerates the pictures for people in docs/: each region's brochure as an HTML page
# (docs/regions/), each referral state machine as an SVG (docs/state-machines/, drawn by
# Graphviz from the DOT the referrals service also serves) and the fact ledger
# (docs/catalogue-ledger.md); and the settings tables of docs/configuration.md, from the
# binaries' own flags; and the proto line links of docs/api.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build_dir" --target probation-docs catalogue eligibility referrals gateway relay
python3 scripts/configuration_page.py --page docs/configuration.md \
  --binary catalogue="${build_dir}/services/catalogue/catalogue" \
  --binary eligibility="${build_dir}/services/eligibility/eligibility" \
  --binary referrals="${build_dir}/services/referrals/referrals" \
  --binary gateway="${build_dir}/gateway/gateway" \
  --binary relay="${build_dir}/services/relay/relay"
python3 scripts/api_page.py --repo .
"${build_dir}/tools/docs/probation-docs" --out=docs
for dot_file in docs/state-machines/*.dot; do
  dot -Tsvg "$dot_file" -o "${dot_file%.dot}.svg"
done
echo "docs: $(ls docs/regions/*.html | wc -l) brochure pages in docs/regions/," \
  "$(ls docs/state-machines/*.svg | wc -l) state machines in docs/state-machines/," \
  "the fact ledger in docs/catalogue-ledger.md"
