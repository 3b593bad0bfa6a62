#!/usr/bin/env python3
# Dumps the cells of .xlsx files (sheets, values, number formats, bold, wrap, column widths) to TSV for xlsx-baseline.c.
#
# Usage: cells.py OUT_DIR FILE.xlsx...   writes OUT_DIR/<name>.tsv per workbook. Standard library only.
import os, re, sys, zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
BUILTIN = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 14: "yyyy-mm-dd", 49: "@"}

def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters: n = n * 26 + ord(ch) - 64
    return n - 1, int(ref[len(letters):]) - 1

def dump(path, out):
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    fmts = dict(BUILTIN)
    for f in styles.findall("m:numFmts/m:numFmt", NS): fmts[int(f.get("numFmtId"))] = f.get("formatCode")
    bold_fonts = [f.find("m:b", NS) is not None for f in styles.findall("m:fonts/m:font", NS)]
    xfs = []
    for xf in styles.findall("m:cellXfs/m:xf", NS):
        al = xf.find("m:alignment", NS)
        xfs.append((fmts.get(int(xf.get("numFmtId", 0)), "General"), bold_fonts[int(xf.get("fontId", 0))],
                    al is not None and al.get("wrapText") == "1"))
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
    lines = ["F\t%d\t%s\t%d\t%d" % (i, esc(f), b, w) for i, (f, b, w) in enumerate(xfs)]
    for sheet in wb.findall("m:sheets/m:sheet", NS):
        target = rels[sheet.get("{%s}id" % NS["r"])]
        ws = ET.fromstring(z.read("xl/" + target.lstrip("/").replace("xl/", "")))
        lines.append("S\t" + esc(sheet.get("name")))
        for c in ws.findall("m:cols/m:col", NS):
            lines.append("W\t%d\t%d\t%s" % (int(c.get("min")) - 1, int(c.get("max")) - 1, c.get("width")))
        for cell in ws.iter("{%s}c" % NS["m"]):
            col, row = col_index(cell.get("r"))
            style = int(cell.get("s", 0))
            v = cell.find("m:v", NS)
            if v is None: lines.append("B\t%d\t%d\t%d" % (row, col, style)); continue
            if cell.get("t") == "s": lines.append("T\t%d\t%d\t%d\t%s" % (row, col, style, esc(shared[int(v.text)])))
            else: lines.append("N\t%d\t%d\t%d\t%s" % (row, col, style, v.text))
    name = os.path.splitext(os.path.basename(path))[0]
    with open(os.path.join(out, name + ".tsv"), "w", encoding="utf-8") as f: f.write("\n".join(lines) + "\n")

if __name__ == "__main__":
    os.makedirs(sys.argv[1], exist_ok=True)
    for p in sys.argv[2:]: dump(p, sys.argv[1])
