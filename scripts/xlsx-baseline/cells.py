#!/usr/bin/env python3
# Dumps what our .xlsx files contain (sheets and their constant-memory mode, cells, formats, merges, row heights,
# conditional formats, print setup, charts …) to TSV for xlsx-baseline.c, which writes the same through libxlsxwriter.
#
# Usage: cells.py OUT_DIR FILE.xlsx...   writes OUT_DIR/<name>.tsv per workbook. Standard library only.
# Records (tab-separated, one a line): F format, D conditional-format format, S sheet (name, constant memory, hidden,
# active), W column widths, Z freeze panes, A autofilter, C conditional format, P page setup, H/O header/footer,
# Q rows repeated on each page, K page breaks, X chart (Y its series), then per row: R height, G merge, B/T/N cells.
import os, posixpath, re, sys, zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
      "pr": "http://schemas.openxmlformats.org/package/2006/relationships"}
BUILTIN = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 14: "yyyy-mm-dd", 49: "@"}
M = "{%s}" % NS["m"]
OPS = {"equal": 0, "notEqual": 1, "greaterThan": 2, "greaterThanOrEqual": 4, "lessThan": 3, "lessThanOrEqual": 5}

def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

def rc(ref):
    letters = re.match(r"\$?([A-Z]+)\$?", ref)
    n = 0
    for ch in letters.group(1): n = n * 26 + ord(ch) - 64
    return int(ref[letters.end():].lstrip("$")) - 1, n - 1

def rng(ref):
    a, _, b = ref.partition(":")
    r1, c1 = rc(a); r2, c2 = rc(b or a)
    return "%d\t%d\t%d\t%d" % (r1, c1, r2, c2)

def color(el):
    if el is None or el.get("rgb") is None: return "-1"
    return str(int(el.get("rgb")[-6:], 16))

def rels(z, part):
    d, b = posixpath.split(part)
    name = posixpath.join(d, "_rels", b + ".rels")
    if name not in z.namelist(): return {}
    return {r.get("Id"): posixpath.normpath(posixpath.join(d, r.get("Target"))) for r in ET.fromstring(z.read(name))}

def formats(styles, lines):
    fmts = dict(BUILTIN)
    for f in styles.findall("m:numFmts/m:numFmt", NS): fmts[int(f.get("numFmtId"))] = f.get("formatCode")
    fonts = []
    for f in styles.findall("m:fonts/m:font", NS):
        name, size = f.find("m:name", NS), f.find("m:sz", NS)
        fonts.append((f.find("m:b", NS) is not None, name.get("val") if name is not None else "",
                      size.get("val") if size is not None else "0", color(f.find("m:color", NS))))
    fills = [color(f.find("m:patternFill/m:fgColor", NS)) for f in styles.findall("m:fills/m:fill", NS)]
    borders = []
    for b in styles.findall("m:borders/m:border", NS):
        left = b.find("m:left", NS)
        borders.append((left is not None and left.get("style") == "thin", color(b.find("m:left/m:color", NS))))
    for i, xf in enumerate(styles.findall("m:cellXfs/m:xf", NS)):
        al = xf.find("m:alignment", NS)
        bold, name, size, fcolor = fonts[int(xf.get("fontId", 0))]
        border, bcolor = borders[int(xf.get("borderId", 0))]
        lines.append("F\t%d\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s" % (
            i, esc(fmts.get(int(xf.get("numFmtId", 0)), "General")), bold,
            al is not None and al.get("wrapText") == "1", esc(name), size, fcolor, fills[int(xf.get("fillId", 0))],
            border, bcolor, al.get("horizontal", "") if al is not None else "", al.get("vertical", "") if al is not None else ""))
    for i, dxf in enumerate(styles.findall("m:dxfs/m:dxf", NS)):
        lines.append("D\t%d\t%s\t%d\t%s" % (i, color(dxf.find("m:font/m:color", NS)), dxf.find("m:font/m:b", NS) is not None,
                                            color(dxf.find("m:fill/m:patternFill/m:bgColor", NS))))

def charts(z, sheet_part, ws, lines):
    drawing = ws.find("m:drawing", NS)
    if drawing is None: return
    dpart = rels(z, sheet_part)[drawing.get("{%s}id" % NS["r"])]
    drels = rels(z, dpart)
    for anchor in ET.fromstring(z.read(dpart)).findall("xdr:twoCellAnchor", NS):
        frm = anchor.find("xdr:from", NS)
        chart = anchor.find(".//c:chart", NS)
        cs = ET.fromstring(z.read(drels[chart.get("{%s}id" % NS["r"])]))
        plot = cs.find("c:chart/c:plotArea", NS)
        bar = plot.find("c:barChart", NS)
        kind = "line" if bar is None else ("bar" if bar.find("c:barDir", NS).get("val") == "bar" else "column")
        title = "".join(t.text or "" for t in cs.iter("{%s}t" % NS["a"]))
        lines.append("X\t%s\t%s\t%s\t%s" % (kind, frm.find("xdr:row", NS).text, frm.find("xdr:col", NS).text, esc(title)))
        for ser in plot.iter("{%s}ser" % NS["c"]):
            name = ser.find("c:tx/c:v", NS)
            cat, val = ser.find("c:cat//c:f", NS), ser.find("c:val//c:f", NS)
            lines.append("Y\t%s\t%s\t%s" % (esc(name.text if name is not None else ""), esc(cat.text if cat is not None else ""), esc(val.text)))

def dump(path, out):
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter(M + "t")))
    lines = []
    formats(ET.fromstring(z.read("xl/styles.xml")), lines)
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    wrels = rels(z, "xl/workbook.xml")
    titles = {int(d.get("localSheetId")): d.text for d in wb.findall("m:definedNames/m:definedName", NS)
              if d.get("name") == "_xlnm.Print_Titles"}
    for index, sheet in enumerate(wb.findall("m:sheets/m:sheet", NS)):
        part = wrels[sheet.get("{%s}id" % NS["r"])]
        ws = ET.fromstring(z.read(part))
        view = ws.find("m:sheetViews/m:sheetView", NS)
        constant = any(c.get("t") == "inlineStr" for c in ws.iter(M + "c"))
        lines.append("S\t%s\t%d\t%d\t%d" % (esc(sheet.get("name")), constant, sheet.get("state") == "hidden",
                                            view is not None and view.get("tabSelected") == "1"))
        for c in ws.findall("m:cols/m:col", NS):
            lines.append("W\t%d\t%d\t%.4f" % (int(c.get("min")) - 1, int(c.get("max")) - 1, max(0.0, float(c.get("width")) - 0.7109375)))
        pane = ws.find("m:sheetViews/m:sheetView/m:pane", NS)
        if pane is not None: lines.append("Z\t%s\t%s" % (pane.get("ySplit", "0"), pane.get("xSplit", "0")))
        af = ws.find("m:autoFilter", NS)
        if af is not None: lines.append("A\t" + rng(af.get("ref")))
        for cf in ws.findall("m:conditionalFormatting", NS):
            rule = cf.find("m:cfRule", NS)
            formula = rule.find("m:formula", NS).text
            lines.append("C\t%s\t%s\t%s\t%d\t%s" % (rng(cf.get("sqref")), rule.get("dxfId"), rule.get("type"),
                                                   OPS.get(rule.get("operator"), 0), esc(formula)))
        setup, margins, opts = ws.find("m:pageSetup", NS), ws.find("m:pageMargins", NS), ws.find("m:printOptions", NS)
        if setup is not None:
            fit = ws.find("m:sheetPr/m:pageSetUpPr", NS) is not None
            lines.append("P\t%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s" % (
                setup.get("orientation") == "landscape", setup.get("paperSize", "0"),
                setup.get("fitToWidth", "1") if fit else "-1", setup.get("fitToHeight", "1") if fit else "-1",
                opts is not None and opts.get("horizontalCentered") == "1",
                view is not None and view.get("showGridLines") == "0",
                margins.get("left"), margins.get("right"), margins.get("top"), margins.get("bottom")))
        hf = ws.find("m:headerFooter", NS)
        if hf is not None:
            for tag, rec in (("m:oddHeader", "H"), ("m:oddFooter", "O")):
                e = hf.find(tag, NS)
                if e is not None: lines.append("%s\t%s" % (rec, esc(e.text or "")))
        if index in titles:
            m = re.search(r"\$(\d+):\$(\d+)$", titles[index])
            lines.append("Q\t%d\t%d" % (int(m.group(1)) - 1, int(m.group(2)) - 1))
        breaks = [b.get("id") for b in ws.findall("m:rowBreaks/m:brk", NS)]
        if breaks: lines.append("K\t" + "\t".join(breaks))
        charts(z, part, ws, lines)
        merges = {}
        for mc in ws.findall("m:mergeCells/m:mergeCell", NS):
            r1, c1, r2, c2 = map(int, rng(mc.get("ref")).split("\t"))
            merges.setdefault(r1, []).append((r1, c1, r2, c2))
        for row in ws.iter(M + "row"):
            r = int(row.get("r")) - 1
            if row.get("customHeight") == "1": lines.append("R\t%d\t%s" % (r, row.get("ht")))
            inside = set()
            for r1, c1, r2, c2 in merges.pop(r, []):
                inside.update(range(c1 + 1, c2 + 1))
                first = next((c for c in row.findall("m:c", NS) if c.get("r") == ("%s%d" % (colname(c1), r + 1))), None)
                lines.append("G\t%d\t%d\t%d\t%d\t%s" % (r1, c1, r2, c2, first.get("s", "0") if first is not None else "0"))
            for cell in row.findall("m:c", NS):
                r, col = rc(cell.get("r"))
                style = int(cell.get("s", 0))
                if col in inside and cell.find("m:v", NS) is None and cell.get("t") != "inlineStr": continue
                if cell.get("t") == "inlineStr":
                    text = "".join(t.text or "" for t in cell.iter(M + "t"))
                    lines.append("T\t%d\t%d\t%d\t%s" % (r, col, style, esc(text))); continue
                v = cell.find("m:v", NS)
                if v is None: lines.append("B\t%d\t%d\t%d" % (r, col, style)); continue
                if cell.get("t") == "s": lines.append("T\t%d\t%d\t%d\t%s" % (r, col, style, esc(shared[int(v.text)])))
                else: lines.append("N\t%d\t%d\t%d\t%s" % (r, col, style, v.text))
    name = os.path.splitext(os.path.basename(path))[0]
    with open(os.path.join(out, name + ".tsv"), "w", encoding="utf-8") as f: f.write("\n".join(lines) + "\n")

def colname(c):
    s = ""
    c += 1
    while c: c, r = divmod(c - 1, 26); s = chr(65 + r) + s
    return s

if __name__ == "__main__":
    os.makedirs(sys.argv[1], exist_ok=True)
    for p in sys.argv[2:]: dump(p, sys.argv[1])
