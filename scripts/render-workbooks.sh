#!/bin/sh
# Renders workbooks to PNG pages so a person can look at what the office will print.
#
# Usage: scripts/render-workbooks.sh OUTPUTS_PERIOD_DIR [DEST]
#   OUTPUTS_PERIOD_DIR  a period's output folder, e.g. outputs/2026-10 (holds the town .xlsx and villages/)
#   DEST                where the PNGs go (default docs/render)
#
# It converts the town workbook and the first village workbook to PDF with LibreOffice (headless) and then
# to PNGs (80 dpi; DPI=… to change) with pdftoppm: the overview (总览) pages and the first page of the village table
# (村居汇总), hazard ledger (隐患台账) and validation issues (数据校验) of the town workbook,
# and every page of the village workbook. LibreOffice prints every sheet with its own print setup (A4
# landscape, one page wide), so the PNGs show what a printout looks like: cut-off text, ###, unreadable charts
# and bad page splits are visible there.
#
# Needs: libreoffice-calc, poppler-utils, fonts-noto-cjk (apt-get install -y libreoffice-calc poppler-utils
# fonts-noto-cjk). Writes only into DEST and a temporary folder it removes.
set -eu

src=${1:?usage: scripts/render-workbooks.sh OUTPUTS_PERIOD_DIR [DEST]}
dest=${2:-docs/render}
for tool in libreoffice pdftoppm pdftotext; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y libreoffice-calc poppler-utils fonts-noto-cjk)" >&2; exit 2; }
done

town=$(find "$src" -maxdepth 1 -name '*.xlsx' | sort | head -n 1)
village=$(find "$src/villages" -maxdepth 1 -name '*.xlsx' 2>/dev/null | sort | head -n 1)
[ -n "$town" ] || { echo "no town workbook in $src" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dest"

# A private LibreOffice profile, so a running office session or a stale lock does not block the conversion.
lo() { libreoffice -env:UserInstallation=file://"$tmp/profile" --headless --convert-to pdf --outdir "$tmp" "$1" >/dev/null 2>&1; }

cp "$town" "$tmp/town.xlsx"
lo "$tmp/town.xlsx"
# Pages are found by the sheet title each sheet prints on its first page (the header shows the workbook title).
pages=$(pdfinfo "$tmp/town.pdf" | awk '/^Pages:/ {print $2}')
first_page() {
    p=1
    while [ "$p" -le "$pages" ]; do
        if pdftotext -f "$p" -l "$p" "$tmp/town.pdf" - | grep -q "^$1（"; then echo "$p"; return; fi
        p=$((p + 1))
    done
}
villages_first=$(first_page 村居汇总)
# Overview: every page before the village table.
last_overview=$(( ${villages_first:-3} - 1 ))
pdftoppm -png -r "${DPI:-80}" -f 1 -l "$last_overview" "$tmp/town.pdf" "$dest/town-overview"
# The village table, the hazard ledger and the validation issues: each sheet's first page.
for sheet in 村居汇总:town-villages 隐患整改台账:town-ledger 数据校验问题清单:town-issues; do
    p=$(first_page "${sheet%%:*}")
    [ -n "$p" ] && pdftoppm -png -r "${DPI:-80}" -f "$p" -l "$p" "$tmp/town.pdf" "$dest/${sheet#*:}"
done

if [ -n "$village" ]; then
    cp "$village" "$tmp/village.xlsx"
    lo "$tmp/village.xlsx"
    pdftoppm -png -r "${DPI:-80}" "$tmp/village.pdf" "$dest/village-$(basename "$village" .xlsx)"
fi
ls -1 "$dest"
