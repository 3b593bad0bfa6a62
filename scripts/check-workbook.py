#!/usr/bin/python3
"""Independent check of a town workbook with openpyxl (not the library that wrote it).

Usage: /usr/bin/python3 scripts/check-workbook.py FILE.xlsx [summary_villages.csv]

Checks the sheet names, that every sheet has frozen headers, an autofilter and the print setup
(A4 landscape, one page wide, repeated header row, page numbers in the footer), that the hazard
ledger has at most 16 columns and flags 逾期 exactly where it gives days overdue, and, when the
summary CSV is given, that every village's figures on 村居汇总 equal the CSV's (rates compared
after rounding to 4 places, as the CSV writes them). Prints 'N passed, N failed'; exit 1 on failure.
"""
import csv
import sys
from decimal import ROUND_HALF_UP, Decimal

import openpyxl

SHEETS = ["总览", "村居汇总", "小组明细", "隐患分类", "隐患台账", "责任书", "宣传培训", "培训统计",
          "数据校验", "通报", "图表数据"]

# 村居汇总 header → summary_villages.csv key.
COLUMNS = {
    "村居编码": "village_code", "村居名称": "village_name", "报送文件数": "files_submitted",
    "读取行数": "rows_read", "退回行数": "rows_rejected", "排查次数": "inspections",
    "上半月排查": "inspections_first_half", "下半月排查": "inspections_second_half",
    "新增隐患": "hazards_new", "新增重大隐患": "hazards_new_major", "本月整改": "hazards_rectified",
    "待整改隐患": "hazards_open", "待整改重大隐患": "hazards_open_major", "逾期隐患": "hazards_overdue",
    "已上报未整改": "hazards_escalated_open", "年度新增隐患": "hazards_new_ytd",
    "年度已整改": "hazards_rectified_ytd", "年度整改率": "rectification_rate_ytd",
    "应签责任书": "agreements_required", "已签责任书": "agreements_signed", "签订率": "signing_rate",
    "宣传培训次数": "trainings", "参与人次": "training_participants", "未达标项": "shortfalls",
}


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what)


def header_row(ws):
    """The header is the frozen row just above the first data row."""
    if not ws.freeze_panes:
        return None
    return openpyxl.utils.cell.coordinate_to_tuple(ws.freeze_panes)[0] - 1


def same(cell, text):
    """Compares a workbook cell with a CSV field: numbers numerically (rates to 4 places), text as text."""
    if cell is None:
        return text == ""
    if isinstance(cell, bool):
        return text in ("1", "0") and cell == (text == "1")
    if isinstance(cell, (int, float)):
        try:
            # Half up, as the CSV rounds (SPEC: rates to 4 places): Python's round() takes an exact half to
            # even (0.90625 -> 0.9062 against the CSV's 0.9063). repr gives the double's shortest decimal form.
            rounded = Decimal(repr(float(cell))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            return abs(float(rounded) - float(text)) < 1e-9
        except ValueError:
            return False
    return str(cell) == text


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2])
        return 2
    c = Checker()
    wb = openpyxl.load_workbook(argv[1])
    # 更正记录 follows the others only when a rebuild changed figures.
    c.check(wb.sheetnames in (SHEETS, SHEETS + ["更正记录"]), f"sheet names {wb.sheetnames}")
    for ws in wb.worksheets:
        n = ws.title
        c.check(ws.freeze_panes is not None, f"{n}: frozen header")
        c.check(bool(ws.auto_filter.ref), f"{n}: autofilter")
        c.check(ws.page_setup.orientation == "landscape", f"{n}: landscape")
        c.check(str(ws.page_setup.paperSize) == "9", f"{n}: A4")
        c.check(ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage,
                f"{n}: fit to page")
        c.check(ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, f"{n}: one page wide")
        if n != "总览":  # the overview's second page holds charts, under no table header
            c.check(bool(ws.print_title_rows), f"{n}: repeated header rows")
        c.check("&P" in (ws.oddFooter.center.text or ""), f"{n}: page numbers in footer")

    if "隐患台账" in wb.sheetnames:
        # The printed ledger stays readable: at most 16 columns, the flags in one 标记 column.
        ws = wb["隐患台账"]
        hr = header_row(ws)
        headers = [cell.value for cell in ws[hr] if cell.value is not None]
        c.check(len(headers) <= 16, f"隐患台账: {len(headers)} columns")
        for h in ("隐患编号", "隐患描述", "整改期限", "上报部门", "逾期天数", "标记"):
            c.check(h in headers, f"隐患台账: column {h}")
        if "标记" in headers and "逾期天数" in headers:
            flags, days = headers.index("标记"), headers.index("逾期天数")
            for row in ws.iter_rows(min_row=hr + 1, values_only=True):
                overdue = "逾期" in (row[flags] or "")
                c.check(overdue == (row[days] is not None), f"隐患台账: 标记 {row[flags]!r} vs 逾期天数 {row[days]!r}")

    if len(argv) == 3 and "村居汇总" in wb.sheetnames:
        ws = wb["村居汇总"]
        hr = header_row(ws)
        headers = [cell.value for cell in ws[hr]]
        index = {h: i for i, h in enumerate(headers)}
        c.check(all(h in index for h in COLUMNS), f"村居汇总 headers {headers}")
        by_code = {}
        for row in ws.iter_rows(min_row=hr + 1, values_only=True):
            code = row[index["村居编码"]]
            if code is not None and row[index["村居名称"]] not in ("全镇合计",) and not str(row[index["村居名称"]]).endswith("本级"):
                by_code[str(code)] = row
        with open(argv[2], encoding="utf-8-sig", newline="") as f:
            records = list(csv.DictReader(f))
        c.check(len(records) == len(by_code), f"village count: CSV {len(records)}, workbook {len(by_code)}")
        for rec in records:
            row = by_code.get(rec["village_code"])
            if row is None:
                c.check(False, f"village {rec['village_code']} missing from 村居汇总")
                continue
            for header, key in COLUMNS.items():
                if key in rec and header in index:
                    c.check(same(row[index[header]], rec[key]),
                            f"{rec['village_code']} {header}: workbook {row[index[header]]!r}, CSV {rec[key]!r}")
            if "compliant" in rec and "是否达标" in index:
                c.check((row[index["是否达标"]] == "是") == (rec["compliant"] == "1"), f"{rec['village_code']} 是否达标")

    print(f"{c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
