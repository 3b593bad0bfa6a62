#!/usr/bin/env python3
# Hostile submissions for comparing two builds' `check` and `run` line for line (reading passes of issue 5).
#
# Usage: scripts/hostile-inputs.py TOWN [PERIOD] [SEED]
#   TOWN is a folder made by `safety-report demo --out TOWN --end PERIOD` (PERIOD default 2026-10). The first seven
#   villages of its pipeline.json get generated trainings (3,000 rows), inspections (2,000) and hazards (2,000)
#   files for PERIOD, replacing theirs, one encoding and line ending each: UTF-8 LF, GB18030 CR LF, UTF-8 with a BOM
#   and CR-only ends, GB18030 CR-only, UTF-16LE CR LF, UTF-8 with a bad byte mid-file, GB18030 with a cut code.
#   Cells: spaces, tabs, U+3000 and NBSP at either end, quoted cells with quotes, commas and newlines, blank rows and
#   `,,,,`, short and long rows, full-width digits, every date form, impossible and odd dates, labels and keys in any
#   case, near misses, duplicate and canonically equal ids, 300-character cells, emoji, a 备注 and a ＴＨＥＭＥ column.
# Then: `safety-report check --period PERIOD` with both builds, and diff their outputs (timestamps aside).
import json, random, sys

town, period = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "2026-10")
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 8)
config = json.load(open(f"{town}/pipeline.json", encoding="utf-8"))
villages = config["villages"][:7]
y, m = period.split("-")

edges = ["", " ", "\t", "\u3000", "\u00a0", "  "]
def edge(s): return rng.choice(edges) + s + rng.choice(edges)
def date():
    d = rng.randint(1, 31)
    forms = [f"{y}-{m}-{d:02d}", f"{y}/{int(m)}/{d}", f"{y}.{int(m)}.{d}", f"{y}年{int(m)}月{d}日", f"{y}{m}{d:02d}",
             f"{y}/{int(m)}/{d} 0:00", "２０２６－１０－０５", f"{y}-02-30", f"{y}-{m}-{d}x", "昨天", "", f"{y}-09-30",
             f"{y}-{m}-5", f"{y}-13-01", f"{y}-{m}-{d:03d}", f"{y}年{int(m)}月{d}号"]
    return rng.choice(forms)
def count(): return rng.choice(["3", "１２", "-1", "", "1,234", "99999", "x", " 7 ", "0", "1.5"])
def text():
    pieces = ["安全用电", "x", "a b", "\"", ",", "\n", "🔥", "=1+2", "e\u0301", "Ｇ", "一", "「", "」", "𠀀", "长" * 300]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
def enum(choices): return rng.choice(choices + ["", "x", "用电", "Electricity ", " OPEN", "Rectified"])
def quote(cell):
    if any(c in cell for c in ",\"\n\r"): return '"' + cell.replace('"', '""') + '"'
    return cell

def rows(kind, village):
    groups = [g["code"] for g in village.get("groups", [])] + ["", "G99", " "]
    if kind == "trainings":
        header = ["活动日期", "小组编码", "活动形式", "ＴＨＥＭＥ", "参与对象", "参与人数", "时长(小时)", "发放资料(份)", "备注"]
        n, make = 3000, lambda: [edge(date()), rng.choice(groups), edge(enum(["培训", "training", "讲座", "drill", "应急演练"])),
                                 text(), enum(["居民", "students", "其他"]), edge(count()), rng.choice(["", "1.5", "-2", "０．５"]),
                                 count(), text()]
    elif kind == "inspections":
        header = ["排查日期", "小组编码", "排查人", "排查范围", "发现隐患数"]
        n, make = 2000, lambda: [edge(date()), rng.choice(groups), text(), text(), edge(count())]
    else:
        header = ["隐患编号", "发现日期", "小组编码", "隐患类别", "隐患等级", "隐患描述", "地点", "整改责任人", "整改期限", "整改状态",
                  "整改完成日期", "是否上报", "上报部门"]
        ids = [f"H{i:03d}" for i in range(300)] + ["ｈ００１", "H001 ", "Ｈ001", "e\u0301", "é"]
        n, make = 2000, lambda: [edge(rng.choice(ids)), edge(date()), rng.choice(groups),
                                 enum(["公共设施", "housing", "Hazardous_Chemicals", "供用电"]), enum(["一般", "major"]), text(),
                                 text(), text(), edge(date()), enum(["未整改", "in_progress", "已整改"]), rng.choice(["", date()]),
                                 rng.choice(["是", "否", "Y", "no", "√", " × ", "", "maybe"]), text()]
    out = [header]
    for _ in range(n):
        r = make()
        k = rng.random()
        if k < 0.03: r = [""] * len(r)
        elif k < 0.06: r = r[: rng.randint(1, len(r))]
        elif k < 0.08: r = r + ["extra", ""]
        out.append(r)
    return out

setups = [("utf-8", "\n"), ("gb18030", "\r\n"), ("utf-8-sig", "\r"), ("gb18030", "\r"), ("utf-16", "\r\n"),
          ("utf-8", "\n"), ("gb18030", "\n")]
for i, village in enumerate(villages):
    encoding, ending = setups[i % len(setups)]
    for kind in ["trainings", "inspections", "hazards"]:
        lines = [",".join(quote(c) for c in r) for r in rows(kind, village)]
        if encoding == "utf-16": lines = ["\t".join(c.replace("\t", " ").replace("\"", "") for c in l.split(",")) for l in lines]
        data = (ending.join(lines) + ending).encode(encoding, errors="replace")
        if i == 5 and kind == "trainings": data = data[: len(data) // 2] + b"\xff" + data[len(data) // 2 :]
        if i == 6 and kind == "hazards": data = data[: len(data) // 2] + b"\x81\x30" + data[len(data) // 2 :]
        open(f"{town}/inputs/{period}/{village['code']}/{kind}.csv", "wb").write(data)
print(f"hostile files written for {len(villages)} villages of {town}")
