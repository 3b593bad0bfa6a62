#!/bin/sh
# Renders a submission template workbook to PNG pages, as LibreOffice prints it (instructions, then the four sheets).
#
# Usage: scripts/render-template.sh TEMPLATE.xlsx [DEST]
#   TEMPLATE.xlsx  e.g. templates/330683105201_东湖村_提交表.xlsx from `safety-report templates --out templates`
#   DEST           where template-<page>.png go (default docs/render); 60 dpi (DPI=… to change)
#
# Needs: libreoffice-calc, poppler-utils, fonts-noto-cjk. Writes only into DEST and a temporary folder it removes.
set -eu
src=${1:?usage: scripts/render-template.sh TEMPLATE.xlsx [DEST]}
dest=${2:-docs/render}
for tool in libreoffice pdftoppm; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y libreoffice-calc poppler-utils fonts-noto-cjk)" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dest"
cp "$src" "$tmp/template.xlsx"
libreoffice -env:UserInstallation=file://"$tmp/profile" --headless --convert-to pdf --outdir "$tmp" "$tmp/template.xlsx" >/dev/null 2>&1
rm -f "$dest"/template-*.png
pdftoppm -png -r "${DPI:-60}" "$tmp/template.pdf" "$dest/template"
ls "$dest"/template-*.png
