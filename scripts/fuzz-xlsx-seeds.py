#!/usr/bin/env python3
"""Seeds for the SubmissionWorkbook fuzz target, from real workbooks (standard library only).

    scripts/fuzz-xlsx-seeds.py TEMPLATES_DIR DEMO_INPUTS_DIR OUT_DIR

Writes to OUT_DIR:
- every submission workbook `safety-report templates` wrote, as is (libxlsxwriter's zip, deflated);
- each of them filled with a village's demo rows (header and data as shared strings, inline strings,
  numbers, date serials), zipped again with deflate;
- small hand-made workbooks for the reader's corners (cell types, phonetic runs, the 1904 date system,
  a hidden sheet, absolute targets, prefixed XML, two sheets for one dataset, no shared strings);
- for every workbook above, a "bundle": its workbook.xml, rels, sharedStrings and sheets joined by NUL
  bytes, which the target zips itself (so mutations of the XML are not lost to the zip's CRC).
"""
import csv
import io
import os
import re
import sys
import zipfile
from datetime import date
from xml.sax.saxutils import escape

SHEETS = {"排查记录": "inspections", "隐患整改台账": "hazards", "责任书签订": "agreements", "宣传教育培训": "trainings"}
DATE_HEADERS = {"排查日期", "发现日期", "整改期限", "整改完成日期", "签订日期", "活动日期"}
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
HIDDEN, DATE1904 = ' state="hidden"', ' date1904="1"'
MAX_ROWS = 12  # rows per sheet: enough variety, small enough for -max_len


def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def serial(text):
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text.strip())
    if not m:
        return None
    try:
        d = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return (d - date(1899, 12, 30)).days


def read_csv(path):
    raw = open(path, "rb").read()
    for enc in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        return []
    sep = "\t" if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))[: MAX_ROWS + 1]
    except csv.Error:  # the demo's deliberately broken files (a lone CR …): the CSV targets have those
        return []


def sheet_data(rows, strings, variant):
    """<sheetData> for rows: header as shared strings; data cells alternate shared / inline / number / serial."""
    dates = set()
    out = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{col(c)}{r}"
            value = value.strip()
            if not value:
                continue
            if r == 1:
                if value in DATE_HEADERS:
                    dates.add(c)
                strings.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
            elif c in dates and serial(value) is not None and variant % 2 == 0:
                cells.append(f'<c r="{ref}" s="1"><v>{serial(value)}</v></c>')
            elif re.fullmatch(r"-?\d+(\.\d+)?", value):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif (r + c + variant) % 2:
                strings.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return "<sheetData>" + "".join(out) + "</sheetData>"


def sst(strings):
    items = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {NS} count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'


def sheet_paths(parts):
    """Sheet name → part path, from workbook.xml and its rels."""
    rels = dict(re.findall(r'<Relationship Id="([^"]+)"[^>]*Target="([^"]+)"', parts["xl/_rels/workbook.xml.rels"].decode()))
    out = {}
    for name, rid in re.findall(r'<sheet name="([^"]*)"[^>]*r:id="([^"]+)"', parts["xl/workbook.xml"].decode()):
        target = rels.get(rid, "")
        out[name] = target[1:] if target.startswith("/") else "xl/" + target
    return out


def write_zip(path, parts):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def bundle(parts):
    """workbook.xml NUL rels NUL sharedStrings NUL sheet1 NUL sheet2 …; the instructions and lists sheets
    are left empty (out of the zip) to stay small."""
    sheets = sorted((int(m[1]), n) for n in parts if (m := re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", n)))
    names = {p: n for n, p in sheet_paths(parts).items()} if "xl/_rels/workbook.xml.rels" in parts else {}
    pieces = [parts.get("xl/workbook.xml", b""), parts.get("xl/_rels/workbook.xml.rels", b""), parts.get("xl/sharedStrings.xml", b"")]
    for i in range(1, (sheets[-1][0] if sheets else 0) + 1):
        p = f"xl/worksheets/sheet{i}.xml"
        keep = p in parts and (names.get(p) in SHEETS or not names)
        pieces.append(parts[p] if keep else b"")
    return b"\0".join(pieces)


def hand_made(sheets, strings=None, date1904=False, prefix="", absolute=True):
    """A minimal workbook: `sheets` is [(name, rows XML, hidden)]."""
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns{":" + prefix if prefix else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    listing = "".join(
        f'<{p}sheet name="{escape(n)}" sheetId="{i + 1}"{HIDDEN if h else ""} r:id="rId{i + 1}"/>'
        for i, (n, _, h) in enumerate(sheets))
    parts = {
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><{p}workbook {ns} {RNS}><{p}workbookPr'
                           f'{DATE1904 if date1904 else ""}/><{p}sheets>{listing}</{p}sheets></{p}workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                  f'Target="{"/xl/" if absolute else ""}worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets)))
        + "</Relationships>",
    }
    for i, (_, rows, _) in enumerate(sheets):
        parts[f"xl/worksheets/sheet{i + 1}.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {ns}><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>'
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
    return {k: v.encode() for k, v in parts.items()}


def corners():
    header = "".join(f'<c r="{col(i)}1" t="s"><v>{i}</v></c>' for i in range(5))
    strings = sst(["排查日期", "小组编码", "排查人", "排查范围", "发现隐患数"]).replace(
        "</sst>", '<si><r><t>张</t></r><r><t>三</t></r><rPh sb="0" eb="1"><t>ZHANG</t></rPh></si></sst>')
    rows = (f'<row r="1">{header}</row>'
            '<row r="3"><c r="A3"><v>46300</v></c><c r="C3" t="s"><v>5</v></c><c r="D3" t="inlineStr"><is><t>沿街 店铺</t></is></c><c r="E3"><v>2</v></c></row>'
            '<row><c t="str"><v>2026/10/6</v></c><c t="b"><v>1</v></c><c t="inlineStr"><is><t>李四</t></is></c><c t="e"><v>#N/A</v></c><c><v>1.5</v></c></row>'
            '<row r="5"><c r="A5" t="d"><v>2026-10-07T00:00:00</v></c><c r="C5" t="inlineStr"><is><t>=1+1</t></is></c><c r="E5"><v>1E3</v></c></row>'
            '<row r="6"><c r="A6" t="inlineStr"><is><t>示例：2026-10-05</t></is></c></row>')
    hazards = ('<row r="1"><c r="A1" t="inlineStr"><is><t>hazard_id</t></is></c><c r="B1" t="inlineStr"><is><t>found_date</t></is></c>'
               '<c r="C1" t="inlineStr"><is><t>category</t></is></c><c r="D1" t="inlineStr"><is><t>level</t></is></c></row>'
               '<row r="2"><c r="A2" t="inlineStr"><is><t>H1</t></is></c><c r="B2"><v>46296</v></c><c r="C2" t="inlineStr"><is><t>供用电</t></is></c></row>')
    return {
        "corner-cells": hand_made([("排查记录", rows, False)], strings),
        "corner-1904-prefixed": hand_made([("inspections", rows, False)], strings, date1904=True, prefix="x", absolute=False),
        "corner-hidden-and-plain": hand_made([("Sheet1", hazards, False), ("隐患整改台账", hazards, True)]),
        "corner-conflict": hand_made([("排查记录", rows, False), ("Inspections", rows, False)], strings),
        "corner-no-strings": hand_made([("隐患整改台账", hazards, False), ("宣传教育培训", "", False)]),
    }


def main():
    templates, demo, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    csvs = {}
    for root, _, files in os.walk(demo):
        for f in sorted(files):
            stem = f.lower().rsplit(".", 1)[0]
            if f.lower().endswith(".csv"):
                csvs.setdefault(stem, []).append(os.path.join(root, f))
    books = {}
    n = 0
    for f in sorted(os.listdir(templates)):
        if not f.endswith(".xlsx"):
            continue
        raw = open(os.path.join(templates, f), "rb").read()
        books[f"template-{n}"] = {i.filename: zipfile.ZipFile(io.BytesIO(raw)).read(i) for i in zipfile.ZipFile(io.BytesIO(raw)).infolist()}
        open(os.path.join(out, f"template-{n}.xlsx"), "wb").write(raw)
        parts = dict(books[f"template-{n}"])
        strings = []
        for name, part in sheet_paths(parts).items():
            kind = SHEETS.get(name)
            if not kind or not csvs.get(kind):
                continue
            rows = read_csv(csvs[kind][n % len(csvs[kind])])
            xml = parts[part].decode()
            xml = re.sub(r"<sheetData>.*?</sheetData>|<sheetData/>", lambda _: sheet_data(rows, strings, n), xml, flags=re.S)
            parts[part] = xml.encode()
        parts["xl/sharedStrings.xml"] = sst(strings).encode()
        books[f"filled-{n}"] = parts
        write_zip(os.path.join(out, f"filled-{n}.xlsx"), parts)
        n += 1
    for name, parts in corners().items():
        books[name] = parts
        write_zip(os.path.join(out, f"{name}.xlsx"), parts)
    for name, parts in books.items():
        open(os.path.join(out, f"bundle-{name}"), "wb").write(bundle(parts))


if __name__ == "__main__":
    main()
