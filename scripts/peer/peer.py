#!/usr/bin/env python3
"""The peer of issue 5: the monthly report written the way a competent analyst would, with pandas + XlsxWriter.

Usage: peer.py TOWN_FOLDER PERIOD (YYYY-MM)

Reads TOWN_FOLDER/pipeline.json and the inputs of every period up to PERIOD, and writes
TOWN_FOLDER/outputs/PERIOD/ with the same files as `safety-report run --period PERIOD`: the summary CSVs,
hazard_ledger.csv, validation_issues.csv, changes.csv (empty: a first build), manifest.json, the town workbook and
one workbook per village (written by two worker processes). It is a benchmark peer, not a product: it is meant to
be fair (vectorised, no deliberate slowness, no skipped work), and where it simplifies the SPEC the comment says so.

Reading: every file's bytes are read and decoded by fixed rules (BOM, else strict UTF-8, else strict GB18030);
the header is mapped to the English keys; files with the same dataset, separator and column order are
concatenated with two prefixed columns (file id, physical line) and parsed by one pd.read_csv per group.
Files with quotes (embedded newlines) go through the csv module first so the line numbers stay right.
"""
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import xlsxwriter

# ---------------------------------------------------------------------------------------------------------------
# Schema (SPEC §3.2)

COLUMNS = {
    'inspections': [('inspection_date', '排查日期'), ('group_code', '小组编码'), ('inspector', '排查人'),
                    ('scope', '排查范围'), ('hazards_found', '发现隐患数')],
    'hazards': [('hazard_id', '隐患编号'), ('found_date', '发现日期'), ('group_code', '小组编码'),
                ('category', '隐患类别'), ('level', '隐患等级'), ('description', '隐患描述'), ('location', '地点'),
                ('responsible', '整改责任人'), ('deadline', '整改期限'), ('status', '整改状态'),
                ('rectified_date', '整改完成日期'), ('escalated', '是否上报'), ('escalated_to', '上报部门')],
    'agreements': [('party_type', '对象类型'), ('party_code', '对象编码'), ('party_name', '对象名称'),
                   ('signed', '是否签订'), ('signed_date', '签订日期')],
    'trainings': [('activity_date', '活动日期'), ('group_code', '小组编码'), ('form', '活动形式'),
                  ('theme', '活动主题'), ('audience', '参与对象'), ('participants', '参与人数'),
                  ('hours', '时长(小时)'), ('materials', '发放资料(份)')],
}
REQUIRED_COLUMNS = {
    'inspections': ['inspection_date', 'inspector', 'hazards_found'],
    'hazards': ['hazard_id', 'found_date', 'category', 'level', 'description', 'responsible', 'deadline', 'status'],
    'agreements': ['party_type', 'party_name', 'signed'],
    'trainings': ['activity_date', 'form', 'theme', 'participants'],
}
DATASET_NAMES = {'inspections': '排查记录', 'hazards': '隐患整改台账', 'agreements': '责任书签订', 'trainings': '宣传教育培训'}
LABELS = {k: dict(v) for k, v in COLUMNS.items()}

ENUMS = {
    'category': [('public_facilities', '公共设施'), ('housing', '房屋'), ('hazardous_chemicals', '危险化学品'),
                 ('fireworks', '烟花爆竹'), ('crowded_places', '人员密集场所'), ('motor_vehicles', '机动车辆'),
                 ('electricity', '供用电'), ('other', '其他')],
    'level': [('general', '一般'), ('major', '重大')],
    'status': [('open', '未整改'), ('in_progress', '整改中'), ('rectified', '已整改')],
    'party_type': [('village', '村(社区)'), ('group', '村民小组'), ('key_unit', '重点生产经营单位'),
                   ('resident_unit', '驻地单位'), ('school', '学校'), ('hospital', '医院'), ('other', '其他')],
    'form': [('leaflets', '发放传单'), ('blackboard', '黑板报'), ('bulletin_board', '宣传栏'), ('lecture', '专题讲座'),
             ('training', '培训'), ('performance', '文艺演出'), ('drill', '应急演练'), ('other', '其他')],
    'audience': [('residents', '居民'), ('students', '学生'), ('workers', '从业人员'), ('other', '其他')],
}
# value as written (NFKC-folded, English keys lower-cased) -> key
ENUM_LOOKUP = {col: {**{k: k for k, _ in pairs}, **{zh: k for k, zh in pairs}} for col, pairs in ENUMS.items()}
ENUM_LABEL = {col: dict(pairs) for col, pairs in ENUMS.items()}
BOOLEANS = {'是': True, 'y': True, 'yes': True, 'true': True, '1': True, '√': True,
            '否': False, 'n': False, 'no': False, 'false': False, '0': False, '×': False}
CODE_RE = r'^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$'
DATE_RE = (r'^(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|年(\d{1,2})月(\d{1,2})日|(\d{2})(\d{2}))'
           r'(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$')
INT_RE = r'^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)$'
DEC_RE = r'^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$'
FILE_NAMES = {k + '.csv': k for k in COLUMNS}


def fold_header(cell):
    """A header cell as matched: NFKC (full-width forms), trimmed (also U+3000 and a BOM), lower-cased."""
    return unicodedata.normalize('NFKC', cell).replace('\ufeff', '').strip().lower()


HEADER_LOOKUP = {ds: {**{fold_header(k): k for k, _ in cols}, **{fold_header(zh): k for k, zh in cols}}
                 for ds, cols in COLUMNS.items()}


def log(msg):
    print(datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'), msg, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Reading

class Reader:
    """Collects the files of the periods needed, grouped by (dataset, separator, column keys)."""

    def __init__(self, inputs, cfg):
        self.inputs = inputs
        self.cfg = cfg
        self.files = []       # one dict per file (present or missing)
        self.issues = []      # file-level issues: dicts
        self.groups = {}      # (dataset, sep, keys) -> list of lines
        self.hashes = []

    def issue(self, period, folder, file, line, column, value, severity, rule, message):
        self.issues.append(dict(period=period, folder=folder, file=file, line=line, column=column, value=value,
                                severity=severity, rule=rule, message=message))

    def scan(self, period, datasets):
        """Reads `datasets` of every registered folder of `period`; reports unregistered folders and odd files."""
        root = os.path.join(self.inputs, period)
        registered = self.cfg['folder_codes']
        present = {}
        if os.path.isdir(root):
            for entry in sorted(os.scandir(root), key=lambda e: e.name):
                if entry.name.startswith('.'):
                    continue
                if entry.name not in registered:
                    self.issue(period, entry.name, '', None, '', '', 'error', 'folder.unregistered',
                               f'文件夹「{entry.name}」不是登记在册的村居编码，其中的文件未读取')
                    continue
                if not entry.is_dir():
                    self.issue(period, entry.name, '', None, '', entry.name, 'error', 'file.unreadable',
                               f'「{entry.name}」不是文件夹，无法读取')
                    continue
                present[entry.name] = entry.path
        for folder in self.cfg['folder_order']:
            path = present.get(folder)
            found = {}
            if path:
                for f in os.scandir(path):
                    if f.name.startswith('.'):
                        continue
                    ds = FILE_NAMES.get(f.name.lower())
                    if ds is None:
                        self.issue(period, folder, f.name, None, '', '', 'warning', 'file.unexpected',
                                   f'文件「{f.name}」不是规定的报送文件，未读取')
                    elif ds in datasets:
                        found[ds] = f
            for ds in datasets:
                f = found.get(ds)
                rec = dict(fid=len(self.files), period=period, folder=folder, dataset=ds,
                           file=f.name if f else ds + '.csv', state='missing', rows=0)
                self.files.append(rec)
                if f is not None:
                    self.read_file(rec, f)

    def read_file(self, rec, entry):
        period, folder = rec['period'], rec['folder']
        if not entry.is_file():
            rec['state'] = 'rejected'
            self.issue(period, folder, rec['file'], None, '', '', 'error', 'file.unreadable', '该文件无法读取')
            return
        with open(entry.path, 'rb') as fh:
            data = fh.read()
        self.hashes.append((f'{period}/{folder}/{entry.name}', hashlib.sha256(data).hexdigest(), len(data)))
        text = decode(data)
        if text is None:
            rec['state'] = 'rejected'
            self.issue(period, folder, rec['file'], 2, '', '', 'error', 'file.encoding',
                       '文件编码无法识别（应为 UTF-8、GB18030 或带 BOM 的 UTF-16），请另存为「CSV UTF-8」后重新报送')
            return
        if '\x00' in text:
            rec['state'] = 'rejected'
            self.issue(period, folder, rec['file'], None, '', '', 'error', 'file.binary', '文件含二进制内容，不是 CSV 文件')
            return
        lines = text.splitlines(keepends=True)
        h = 0
        while h < len(lines) and not lines[h].strip(' ,\t\u3000\r\n'):
            h += 1
        if h == len(lines):
            rec['state'] = 'rejected'
            self.issue(period, folder, rec['file'], None, '', '', 'error', 'file.empty', '文件为空（连表头都没有），请按模板填写后重新报送')
            return
        sep = '\t' if '\t' in lines[h] else ','
        ds = rec['dataset']
        header = next(csv.reader([lines[h].rstrip('\r\n')], delimiter=sep))
        keys, seen = [], set()
        for i, cell in enumerate(header):
            key = HEADER_LOOKUP[ds].get(fold_header(cell))
            if key is None:
                if fold_header(cell):
                    self.issue(period, folder, rec['file'], h + 1, '', cell.strip(), 'warning', 'column.unknown',
                               f'表头「{cell.strip()}」不是{DATASET_NAMES[ds]}的列，该列已忽略')
                keys.append(f'_ignored{i}')
            elif key in seen:
                self.issue(period, folder, rec['file'], h + 1, key, cell.strip(), 'warning', 'column.duplicate',
                           f'列「{cell.strip()}」重复出现，只采用第一列')
                keys.append(f'_ignored{i}')
            else:
                seen.add(key)
                keys.append(key)
        missing = [k for k in REQUIRED_COLUMNS[ds] if k not in seen]
        rec['state'] = 'read'
        if missing:
            rec['state'] = 'rejected'
            self.issue(period, folder, rec['file'], h + 1, missing[0], '', 'error', 'column.missing',
                       '缺少必填列「' + '」「'.join(LABELS[ds][k] for k in missing) + '」，整个文件未采用')
        # one buffer per (dataset, separator): the file's column order is kept per file and applied after parsing
        rec['keys'] = keys
        buf = self.groups.setdefault((ds, sep), [])
        fid = rec['fid']
        body = lines[h + 1:]
        blank = sep + ' \u3000\r\n'
        if not any('"' in ln for ln in body):
            # No quotes: one record per physical line; the prefix carries the file and the line number.
            for i, ln in enumerate(body):
                ln = ln.rstrip('\r\n')
                if ln.strip(blank):
                    buf.append(f'{fid}{sep}{h + 2 + i}{sep}{ln}')
        else:
            # Quoted fields may span lines: the csv module finds the records, re-written with the prefix.
            out = io.StringIO()
            w = csv.writer(out, delimiter=sep, lineterminator='\n')
            r = csv.reader(body, delimiter=sep)
            start = 0
            for row in r:
                if any(c.strip(' \u3000') for c in row):
                    w.writerow([fid, h + 2 + start] + row)
                start = r.line_num
            if out.tell():
                buf.append(out.getvalue()[:-1])

    def frames(self):
        """One DataFrame per dataset: one pd.read_csv per (dataset, separator), columns by position; each file's
        own column order is then applied to its rows by one numpy fancy-indexing step."""
        keys_of = {rec['fid']: rec.get('keys') for rec in self.files}
        parts = {ds: [] for ds in COLUMNS}
        for (ds, sep), buf in self.groups.items():
            if not buf:
                continue
            canon = [k for k, _ in COLUMNS[ds]]
            fids = sorted({rec['fid'] for rec in self.files if rec['dataset'] == ds and rec.get('keys') is not None})
            width = max(len(keys_of[f]) for f in fids) + 16
            cols = [f'c{i}' for i in range(width)]
            df = pd.read_csv(io.StringIO('\n'.join(buf)), sep=sep, header=None, names=['_fid', '_line'] + cols,
                             dtype=str, keep_default_na=False, na_filter=False, engine='c', skip_blank_lines=False)
            A = np.column_stack([df[cols].fillna('').to_numpy(dtype=object), np.full(len(df), '', dtype=object)])
            fid = df['_fid'].astype(np.int64).to_numpy()
            # per file: where each canonical key sits (`width`, the blank column, when the file lacks it), and how
            # many columns its header has (cells beyond it are extra)
            pos = np.full((max(fids) + 1, len(canon)), width, dtype=np.int64)
            ncol = np.zeros(max(fids) + 1, dtype=np.int64)
            for f in fids:
                ks = keys_of[f]
                ncol[f] = len(ks)
                for i, k in enumerate(ks):
                    if k in canon:
                        pos[f, canon.index(k)] = i
            out = pd.DataFrame(A[np.arange(len(A))[:, None], pos[fid]], columns=canon)
            out.insert(0, '_line', df['_line'].astype(np.int64).to_numpy())
            out.insert(0, '_fid', fid)
            out['_extra'] = ((A[:, :width] != '') & (np.arange(width)[None, :] >= ncol[fid][:, None])).any(axis=1)
            parts[ds].append(out)
        out = {}
        for ds, cols in COLUMNS.items():
            keys = [k for k, _ in cols]
            if parts[ds]:
                df = pd.concat(parts[ds], ignore_index=True)
            else:
                df = pd.DataFrame({c: pd.Series(dtype=object) for c in ['_fid', '_line'] + keys + ['_extra']})
            for k in keys:
                df[k] = df[k].astype(str).str.strip()
            df['_fid'] = df['_fid'].astype(np.int64)
            df['_line'] = df['_line'].astype(np.int64)
            df['_extra'] = df['_extra'].astype(bool)
            out[ds] = df.sort_values(['_fid', '_line'], kind='stable').reset_index(drop=True)
        # rows per file, from the parsed frames
        counts = pd.concat([d['_fid'] for d in out.values()]).value_counts()
        for rec in self.files:
            rec['rows'] = int(counts.get(rec['fid'], 0))
        return out


def decode(data):
    """Fixed rules (SPEC §3.1): BOM, else strict UTF-8, else strict GB18030; None when none fits."""
    try:
        if data.startswith(b'\xef\xbb\xbf'):
            return data[3:].decode('utf-8')
        if data.startswith(b'\xff\xfe'):
            return data[2:].decode('utf-16-le')
        if data.startswith(b'\xfe\xff'):
            return data[2:].decode('utf-16-be')
    except UnicodeDecodeError:
        return None
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        pass
    try:
        return data.decode('gb18030')
    except UnicodeDecodeError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# Vectorised cell parsing

def fold(s):
    """Full-width forms read as ASCII (codes, numbers, dates, booleans, enumerations)."""
    return s.str.normalize('NFKC')


def parse_dates(s):
    """Series of text -> (datetime64 with NaT, bad-format mask, impossible-date mask); empty cells are NaT, no error."""
    f = fold(s)
    m = f.str.extract(DATE_RE)
    y = m[0]
    mo = m[2].fillna(m[4]).fillna(m[6])
    d = m[3].fillna(m[5]).fillna(m[7])
    ok = y.notna()
    dt = pd.to_datetime(pd.DataFrame({'year': pd.to_numeric(y, errors='coerce'), 'month': pd.to_numeric(mo, errors='coerce'),
                                      'day': pd.to_numeric(d, errors='coerce')}), errors='coerce')
    nonempty = s != ''
    return dt, nonempty & ~ok, nonempty & ok & dt.isna()


def parse_ints(s, decimal=False):
    f = fold(s)
    ok = f.str.match(DEC_RE if decimal else INT_RE)
    v = pd.to_numeric(f.where(ok, '').str.replace(',', '', regex=False), errors='coerce')
    return v, (s != '') & ~ok


class Checks:
    """Accumulates issues as masks over one dataset frame, then builds the issue table in one go."""

    def __init__(self, df, ds):
        self.df, self.ds = df, ds
        self.parts = []
        self.rejected = pd.Series(False, index=df.index)

    def add(self, mask, column, rule, message, severity='error', value=None):
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        if severity == 'error':
            self.rejected |= mask
        sub = self.df.loc[mask]
        val = (value[mask] if value is not None else (sub[column] if column in sub else pd.Series('', index=sub.index)))
        msg = message if isinstance(message, str) else message[mask]
        self.parts.append(pd.DataFrame({'_fid': sub['_fid'], 'line': sub['_line'], 'column': column,
                                        'value': val, 'severity': severity, 'rule': rule, 'message': msg}))

    def required(self, cols):
        for c in cols:
            self.add(self.df[c] == '', c, 'required.missing', f'「{LABELS[self.ds][c]}」必须填写')

    def date(self, col, required=True):
        dt, bad, impossible = parse_dates(self.df[col])
        lab = LABELS[self.ds][col]
        self.add(bad, col, 'date.format', f'{lab}「' + self.df[col] + '」不是可识别的日期，请写成 2026-10-05')
        self.add(impossible, col, 'date.invalid', f'{lab}「' + self.df[col] + '」不是存在的日期')
        if required:
            self.required([col])
        return dt

    def enum(self, col, required=True):
        f = fold(self.df[col]).str.lower()
        # the Chinese labels are matched as written (lower() does not change them)
        v = f.map(ENUM_LOOKUP[col])
        lab = LABELS[self.ds][col]
        allowed = '、'.join(zh for _, zh in ENUMS[col])
        self.add((self.df[col] != '') & v.isna(), col, 'enum.unknown',
                 f'{lab}「' + self.df[col] + f'」不在清单中，应为：{allowed}')
        if required:
            self.required([col])
        return v

    def integer(self, col, required=True, decimal=False):
        v, bad = parse_ints(self.df[col], decimal)
        lab = LABELS[self.ds][col]
        self.add(bad, col, 'decimal.format' if decimal else 'integer.format',
                 f'{lab}「' + self.df[col] + '」不是' + ('数字' if decimal else '整数'))
        self.add(v < 0, col, 'decimal.negative' if decimal else 'integer.negative', f'{lab}不能为负数')
        if required:
            self.required([col])
        return v

    def boolean(self, col, required=True):
        v = fold(self.df[col]).str.lower().map(BOOLEANS)
        self.add((self.df[col] != '') & v.isna(), col, 'boolean.format',
                 f'{LABELS[self.ds][col]}「' + self.df[col] + '」应填「是」或「否」')
        if required:
            self.required([col])
        return v

    def group(self, village_groups):
        """group_code optional; when given, a group of this row's village."""
        g = fold(self.df['group_code'])
        ok = pd.Series([(v, c) in village_groups for v, c in zip(self.df['_folder'], g)], index=self.df.index)
        self.add((g != '') & ~ok, 'group_code', 'group.unregistered',
                 '小组编码「' + self.df['group_code'] + '」不是本村居登记的小组')
        return g

    def table(self):
        """The issues; the rows of a file rejected whole get one `row.file_rejected` each instead."""
        bad_file = ~self.df['_file_ok']
        fr = self.df[bad_file]
        self.parts.append(pd.DataFrame({'_fid': fr['_fid'], 'line': fr['_line'], 'column': '', 'value': '',
                                        'severity': 'error', 'rule': 'row.file_rejected',
                                        'message': '所在文件缺少必填列，整个文件未采用，本行随之退回'}))
        t = pd.concat([p for p in self.parts if len(p)], ignore_index=True) if any(len(p) for p in self.parts) else \
            pd.DataFrame(columns=['_fid', 'line', 'column', 'value', 'severity', 'rule', 'message'])
        ok_files = set(self.df.loc[~bad_file, '_fid'])
        return t[t['_fid'].isin(ok_files) | (t['rule'] == 'row.file_rejected')]


# ---------------------------------------------------------------------------------------------------------------
# The report

def month_end(p):
    y, m = int(p[:4]), int(p[5:7])
    return (pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0))


def prev_period(p):
    y, m = int(p[:4]), int(p[5:7])
    return f'{y - 1}-12' if m == 1 else f'{y}-{m - 1:02d}'


def neutralise(s):
    """CSV text from inputs that could run as a formula gets a leading apostrophe (SPEC §5)."""
    s = s.fillna('').astype(str)
    return s.where(~s.str.match(r'^[=+\-@\t\r\n]'), "'" + s)


def write_csv(df, path):
    with open(path, 'w', encoding='utf-8-sig', newline='') as fh:
        df.to_csv(fh, index=False, lineterminator='\r\n')


def main():
    t0 = time.time()
    town_dir, P = sys.argv[1], sys.argv[2]
    with open(os.path.join(town_dir, 'pipeline.json'), 'rb') as fh:
        cfg_bytes = fh.read()
    cfg = json.loads(cfg_bytes)
    town = cfg['town']
    villages = cfg['villages']
    targets = {'inspections_per_half_month': 1, 'signing_rate': 1.0, 'trainings_per_month': 1,
               'max_overdue_hazards': 0, **cfg.get('targets', {})}
    inputs = os.path.join(town_dir, cfg.get('inputs', 'inputs'))
    outputs = os.path.join(town_dir, cfg.get('outputs', 'outputs'))
    vcodes = [v['code'] for v in villages]
    cfg['folder_codes'] = set(vcodes) | {town['code']}
    cfg['folder_order'] = [town['code']] + vcodes
    names = {town['code']: town['name'], **{v['code']: v['name'] for v in villages}}
    population = {v['code']: v.get('population') for v in villages}
    group_rows = [(v['code'], g['code'], g['name']) for v in villages for g in v.get('groups', [])]
    village_groups = {(v, g) for v, g, _ in group_rows}
    key_units = cfg.get('key_units', [])
    P_start, P_end = pd.Timestamp(P + '-01'), month_end(P)
    year = P[:4]

    # ---- read: P's four files; earlier hazards (ledger replay) and this year's agreements
    periods = sorted(p for p in os.listdir(inputs) if re.match(r'^\d{4}-\d{2}$', p) and p <= P) \
        if os.path.isdir(inputs) else []
    rd = Reader(inputs, cfg)
    for p in periods:
        if p == P:
            rd.scan(p, ['inspections', 'hazards', 'agreements', 'trainings'])
        elif p[:4] == year:
            rd.scan(p, ['hazards', 'agreements'])
        else:
            rd.scan(p, ['hazards'])
    if P not in periods:
        rd.scan(P, ['inspections', 'hazards', 'agreements', 'trainings'])
    data = rd.frames()
    files = pd.DataFrame(rd.files)
    log(f'read {len(files[files.state != "missing"])} files, {sum(len(d) for d in data.values())} rows '
        f'in {time.time() - t0:.1f}s')

    fmeta = files.set_index('fid')
    issue_parts = []
    for ds, df in data.items():
        df['_period'] = fmeta['period'].reindex(df['_fid']).to_numpy()
        df['_folder'] = fmeta['folder'].reindex(df['_fid']).to_numpy()
        df['_file_ok'] = (fmeta['state'].reindex(df['_fid']) == 'read').to_numpy()

    # ---- validation, vectorised per dataset (SPEC §3.3)
    # inspections
    df = data['inspections']
    ck = Checks(df, 'inspections')
    df['date'] = ck.date('inspection_date')
    df['g'] = ck.group(village_groups)
    ck.required(['inspector'])
    df['n'] = ck.integer('hazards_found')
    ck.add(df['date'].notna() & ((df['date'] < P_start) | (df['date'] > P_end)), 'inspection_date',
           'date.outside_period', '排查日期「' + df['inspection_date'] + f'」不在报告期 {P} 内')
    issue_parts.append(ck.table()); df['_ok'] = ~ck.rejected & df['_file_ok']
    # trainings
    df = data['trainings']
    ck = Checks(df, 'trainings')
    df['date'] = ck.date('activity_date')
    df['g'] = ck.group(village_groups)
    df['form_k'] = ck.enum('form')
    ck.required(['theme'])
    df['aud_k'] = ck.enum('audience', required=False)
    df['n'] = ck.integer('participants')
    df['hours_v'] = ck.integer('hours', required=False, decimal=True)
    df['materials_v'] = ck.integer('materials', required=False)
    ck.add(df['date'].notna() & ((df['date'] < P_start) | (df['date'] > P_end)), 'activity_date',
           'date.outside_period', '活动日期「' + df['activity_date'] + f'」不在报告期 {P} 内')
    pop = df['_folder'].map(population)
    ck.add(df['n'] > pop, 'participants', 'participants.above_population',
           '参与人数' + df['participants'] + '超过本村居人口' + pop.astype('Int64').astype(str) + '，请核实',
           severity='warning')
    issue_parts.append(ck.table()); df['_ok'] = ~ck.rejected & df['_file_ok']
    # hazards (every period up to P)
    df = data['hazards']
    ck = Checks(df, 'hazards')
    df['hid'] = fold(df['hazard_id'])
    ck.required(['hazard_id'])
    ck.add((df['hid'] != '') & ~df['hid'].str.match(CODE_RE), 'hazard_id', 'code.format',
           '隐患编号「' + df['hazard_id'] + '」格式不对（字母、数字、-、_，最长32位）')
    dup = (df['hid'] != '') & df.duplicated(['_fid', 'hid'])
    ck.add(dup, 'hazard_id', 'hazard.duplicate_id', '隐患编号「' + df['hazard_id'] + '」在本文件中重复，只采用第一行')
    df['found'] = ck.date('found_date')
    df['g'] = ck.group(village_groups)
    df['cat'] = ck.enum('category')
    df['lvl'] = ck.enum('level')
    ck.required(['description', 'responsible'])
    df['dl'] = ck.date('deadline')
    df['st'] = ck.enum('status')
    df['rect'] = ck.date('rectified_date', required=False)
    df['esc'] = ck.boolean('escalated', required=False).eq(True)
    pend = df['_period'].map({p: month_end(p) for p in df['_period'].unique()}).astype('datetime64[ns]')
    ck.add(df['found'] > pend, 'found_date', 'date.outside_period', '发现日期「' + df['found_date'] + '」晚于报告期末')
    ck.add(df['dl'] < df['found'], 'deadline', 'hazard.deadline_before_found', '整改期限早于发现日期')
    ck.add((df['st'] == 'rectified') & (df['rectified_date'] == ''), 'rectified_date',
           'hazard.rectified_date_required', '状态为已整改，必须填写整改完成日期')
    ck.add((df['st'] != 'rectified') & df['st'].notna() & (df['rectified_date'] != ''), 'rectified_date',
           'hazard.rectified_date_unexpected', '未整改完成的隐患不应填写整改完成日期')
    ck.add((df['rect'] < df['found']) | (df['rect'] > pend), 'rectified_date', 'hazard.rectified_date_range',
           '整改完成日期应在发现日期与报告期末之间')
    ck.add(df['esc'] & (df['escalated_to'] == ''), 'escalated_to', 'hazard.escalated_to_required', '已上报的隐患必须填写上报部门')
    # registration: the first accepted row of an id (per folder); a later period's row with another found_date is
    # rejected. Simplification: the conflict check uses the first accepted row only (one pass, no re-replay).
    ok = ~ck.rejected & df['_file_ok']
    acc = df[ok]
    first = acc.sort_values(['_period', '_fid', '_line']).drop_duplicates(['_folder', 'hid'])
    reg = first.set_index(['_folder', 'hid'])[['_period', 'found']]
    key = pd.MultiIndex.from_arrays([df['_folder'], df['hid']])
    reg_p = reg['_period'].reindex(key).to_numpy()
    reg_f = reg['found'].reindex(key).to_numpy()
    conflict = ok & (df['_period'].to_numpy() > np.where(pd.isna(reg_p), '9999', reg_p)) & (df['found'].to_numpy() != reg_f)
    ck.add(pd.Series(conflict, index=df.index), 'found_date', 'hazard.found_date_conflict',
           '隐患编号「' + df['hazard_id'] + '」以前登记的发现日期不同，请核对编号或发现日期')
    df['reg_period'] = reg_p
    issue_parts.append(ck.table()); df['_ok'] = ~ck.rejected & df['_file_ok']
    # agreements (this year's periods up to P)
    df = data['agreements']
    ck = Checks(df, 'agreements')
    df['pt'] = ck.enum('party_type')
    df['pc'] = fold(df['party_code'])
    ck.required(['party_name'])
    df['sg'] = ck.boolean('signed')
    df['sd'] = ck.date('signed_date', required=False)
    is_town = df['_folder'] == town['code']
    ck.add(df['pt'].isin(['village', 'group', 'key_unit']) & (df['pc'] == ''), 'party_code', 'required.missing',
           '对象类型为村(社区)、村民小组或重点生产经营单位时必须填写对象编码')
    ku = {k['code'] for k in key_units}
    not_allowed = (~is_town & df['pt'].isin(['village', 'key_unit'])) | (is_town & (df['pt'] == 'group'))
    ck.add(not_allowed, 'party_type', 'party.not_allowed', '该类对象不由本单位签订，请删除此行')
    registered = pd.Series([
        (pc in cfg['folder_codes'] if pt == 'village' else pc in ku if pt == 'key_unit'
         else (f, pc) in village_groups if pt == 'group' else True)
        for f, pt, pc in zip(df['_folder'], df['pt'], df['pc'])], index=df.index, dtype=bool)
    ck.add(~not_allowed & (df['pc'] != '') & ~registered, 'party_code', 'party.unregistered',
           '对象编码「' + df['party_code'] + '」未登记')
    df['party'] = df['pt'].fillna('?') + '|' + df['pc'].where(df['pc'] != '', '@' + df['party_name'])
    ck.add(df.duplicated(['_fid', 'party']), 'party_code', 'party.duplicate', '该对象在名单中重复出现，只采用第一行')
    ck.add((df['sg'] == True) & (df['signed_date'] == ''), 'signed_date', 'agreement.signed_date_required',  # noqa: E712
           '已签订的必须填写签订日期')
    ck.add((df['sg'] == False) & (df['signed_date'] != ''), 'signed_date', 'agreement.signed_date_unexpected',  # noqa: E712
           '未签订的不应填写签订日期')
    pend = df['_period'].map({p: month_end(p) for p in df['_period'].unique()}).astype('datetime64[ns]')
    ck.add((df['sd'].dt.year != int(year)) & df['sd'].notna() | (df['sd'] > pend), 'signed_date',
           'agreement.signed_date_range', '签订日期应在本年度内且不晚于报告期末')
    issue_parts.append(ck.table()); df['_ok'] = ~ck.rejected & df['_file_ok']

    # extra cells: a warning, the row kept
    for ds, df in data.items():
        ex = df[df['_extra']]
        if len(ex):
            issue_parts.append(pd.DataFrame({'_fid': ex['_fid'], 'line': ex['_line'], 'column': '', 'value': '',
                                             'severity': 'warning', 'rule': 'row.extra_cells',
                                             'message': '该行单元格多于表头，多出的内容已忽略'}))

    # ---- hazard ledger replay (SPEC §4)
    hz = data['hazards']
    acc = hz[hz['_ok']].sort_values(['_period', '_fid', '_line'])
    last = acc.drop_duplicates(['_folder', 'hid'], keep='last').set_index(['_folder', 'hid'])
    before = acc[acc['_period'] < P].drop_duplicates(['_folder', 'hid'], keep='last').set_index(['_folder', 'hid'])
    L = last.copy()
    L['registered_period'] = L['reg_period']
    L['last_updated_period'] = L['_period']
    prev_st = before['st'].reindex(L.index)
    L['is_new'] = L['registered_period'] == P
    L['is_rect'] = L['st'] == 'rectified'
    L['rectified_in_period'] = L['is_rect'] & (prev_st != 'rectified')
    L['open'] = ~L['is_rect']
    L['overdue'] = L['open'] & (L['dl'] < P_end)
    L['days_overdue'] = np.where(L['overdue'], (P_end - L['dl']).dt.days, 0)
    L['major'] = L['lvl'] == 'major'
    L['esc_open'] = L['open'] & L['esc']
    L['ytd'] = (L['registered_period'] >= year + '-01') & (L['registered_period'] <= P)
    L['carried_over'] = L['open'] & (L['last_updated_period'] < P)
    L = L.reset_index()
    L['new_major'] = L['is_new'] & L['major']
    L['open_major'] = L['open'] & L['major']
    L['rect_ytd'] = L['ytd'] & L['is_rect']
    # warnings from the ledger: open hazards with no update in P; hazards registered late
    nu = L[L['carried_over']]
    hzP = files[(files.period == P) & (files.dataset == 'hazards')].set_index('folder')['fid']
    issue_parts.append(pd.DataFrame({'_fid': nu['_folder'].map(hzP).to_numpy(), 'line': None, 'column': 'hazard_id',
                                     'value': nu['hid'].to_numpy(), 'severity': 'warning', 'rule': 'hazard.not_updated',
                                     'message': ('隐患「' + nu['hid'] + '」仍未整改，本月台账未更新其状态').to_numpy()}))
    late = L[L['is_new'] & (L['found'] < P_start)]
    issue_parts.append(pd.DataFrame({'_fid': late['_fid'].to_numpy(), 'line': late['_line'].to_numpy(),
                                     'column': 'found_date', 'value': late['found_date'].to_numpy(),
                                     'severity': 'warning', 'rule': 'hazard.late_registration',
                                     'message': ('隐患「' + late['hid'] + '」发现日期早于本月，属于补报').to_numpy()}))

    # inspections.hazards_found summed per day vs the new hazards registered with that found_date (SPEC §3.3)
    fr = files[(files.period == P) & (files.state == 'read')]
    both = set(fr[fr.dataset == 'inspections']['folder']) & set(fr[fr.dataset == 'hazards']['folder'])
    ins = data['inspections']
    ins = ins[ins['_ok'] & ins['_folder'].isin(both)]
    newP = hz[hz['_ok'] & (hz['_period'] == P) & (hz['reg_period'] == P) & hz['_folder'].isin(both)]
    reg_n = newP.groupby(['_folder', 'found']).size()
    rep = ins.groupby(['_folder', 'date'])['n'].agg(['sum', 'size'])
    rep['reg'] = reg_n.reindex(rep.index, fill_value=0).to_numpy()
    # registered days with no inspection are not reported (as ours: the warning is on inspection rows)
    k = pd.MultiIndex.from_arrays([ins['_folder'], ins['date']])
    s_, n_, r_ = (rep[c].reindex(k).to_numpy() for c in ('sum', 'size', 'reg'))
    mm = s_ != r_
    if mm.any():
        x = ins[mm]
        day = x['date'].dt.strftime('%Y-%m-%d')
        tot = np.where(n_[mm] > 1, '当日 ' + pd.Series(n_[mm]).astype(str).to_numpy() + ' 次排查合计发现隐患 ', '发现隐患 ')
        issue_parts.append(pd.DataFrame({
            '_fid': x['_fid'], 'line': x['_line'], 'column': 'hazards_found', 'value': x['hazards_found'],
            'severity': 'warning', 'rule': 'inspection.hazards_found_mismatch',
            'message': day + ' 的排查记录' + tot + pd.Series(s_[mm], index=x.index).astype(int).astype(str) +
            ' 处，但隐患整改台账中发现日期为 ' + day + ' 的新登记隐患有 ' +
            pd.Series(r_[mm], index=x.index).astype(int).astype(str) + ' 条，请核对两表是否一致。'}))

    # ---- agreements standing for the year: the latest readable file of each folder
    ag_files = files[(files.dataset == 'agreements') & (files.state == 'read') & (files.period.str[:4] == year)]
    standing = ag_files.sort_values('period').drop_duplicates('folder', keep='last')
    ag = data['agreements']
    ag = ag[ag['_fid'].isin(standing['fid'])]
    ag_std_period = standing.set_index('folder')['period']
    signed_rows = ag[ag['_ok'] & (ag['sg'] == True)]  # noqa: E712
    signed_set = set(zip(signed_rows['_folder'], signed_rows['party']))
    # required parties: from the registry, plus other parties listed (each once)
    req = [(v, 'group|' + g, 'group', g, name) for v, g, name in group_rows]
    req += [(town['code'], 'village|' + v['code'], 'village', v['code'], v['name']) for v in villages]
    req += [(town['code'], 'key_unit|' + k['code'], 'key_unit', k['code'], k['name']) for k in key_units]
    others = ag[ag['pt'].isin(['resident_unit', 'school', 'hospital', 'other'])].drop_duplicates(['_folder', 'party'])
    req += list(zip(others['_folder'], others['party'], others['pt'], others['pc'], others['party_name']))
    R = pd.DataFrame(req, columns=['folder', 'party', 'pt', 'pc', 'name'])
    R['signed'] = [(f, p) in signed_set for f, p in zip(R['folder'], R['party'])]
    sd = ag[ag['_ok']].drop_duplicates(['_folder', 'party']).set_index(['_folder', 'party'])['sd']
    R['signed_date'] = sd.reindex(pd.MultiIndex.from_arrays([R['folder'], R['party']])).to_numpy()
    R['listed'] = pd.MultiIndex.from_arrays([R['folder'], R['party']]).isin(
        pd.MultiIndex.from_arrays([ag['_folder'], ag['party']]))
    R['list_period'] = R['folder'].map(ag_std_period)

    # ---- figures per folder (villages and the town's own folder) and per group
    folders = pd.Index(cfg['folder_order'], name='folder')
    fig = pd.DataFrame(index=folders)
    fP = files[files.period == P]
    fig['files_submitted'] = fP[fP.state == 'read'].groupby('folder').size().reindex(folders, fill_value=0)
    fig['rows_read'] = fP.groupby('folder')['rows'].sum().reindex(folders, fill_value=0)
    rej = 0
    for ds in ['inspections', 'hazards', 'agreements', 'trainings']:
        d = data[ds]
        d = d[d['_period'] == P]
        rej = rej + (~d['_ok']).groupby(d['_folder']).sum().reindex(folders, fill_value=0)
    fig['rows_rejected'] = rej
    ins = data['inspections'][data['inspections']['_ok']]
    ins = ins.assign(first=ins['date'].dt.day <= 15)
    fig['inspections'] = ins.groupby('_folder').size().reindex(folders, fill_value=0)
    fig['inspections_first_half'] = ins[ins['first']].groupby('_folder').size().reindex(folders, fill_value=0)
    fig['inspections_second_half'] = fig['inspections'] - fig['inspections_first_half']
    hz_cols = {'hazards_new': 'is_new', 'hazards_new_major': 'new_major', 'hazards_rectified': 'rectified_in_period',
               'hazards_open': 'open', 'hazards_open_major': 'open_major', 'hazards_overdue': 'overdue',
               'hazards_escalated_open': 'esc_open', 'hazards_new_ytd': 'ytd', 'hazards_rectified_ytd': 'rect_ytd'}
    hsum = L.groupby('_folder')[list(hz_cols.values())].sum()
    for out, col in hz_cols.items():
        fig[out] = hsum[col].reindex(folders, fill_value=0).astype(int)
    fig['rectification_rate_ytd'] = fig['hazards_rectified_ytd'] / fig['hazards_new_ytd'].replace(0, np.nan)
    fig['agreements_required'] = R.groupby('folder').size().reindex(folders, fill_value=0)
    fig['agreements_signed'] = R.groupby('folder')['signed'].sum().reindex(folders, fill_value=0).astype(int)
    fig['signing_rate'] = fig['agreements_signed'] / fig['agreements_required'].replace(0, np.nan)
    tr = data['trainings'][data['trainings']['_ok']]
    fig['trainings'] = tr.groupby('_folder').size().reindex(folders, fill_value=0)
    fig['training_participants'] = tr.groupby('_folder')['n'].sum().reindex(folders, fill_value=0).astype(int)
    # completeness and targets
    readP = fP[fP.state == 'read']
    has = {ds: set(readP[readP.dataset == ds]['folder']) for ds in COLUMNS}
    has['agreements'] = set(standing['folder'])
    t = targets
    short = pd.Series([[] for _ in folders], index=folders)
    miss = [[DATASET_NAMES[ds] for ds in ['inspections', 'hazards', 'agreements', 'trainings'] if f not in has[ds]]
            for f in folders]
    fig['complete'] = [not m for m in miss]
    for f, m in zip(folders, miss):
        if m:
            short[f].append('报送不完整（缺「' + '」、「'.join(m) + '」）')
    for f, a, b, s, tn, o in zip(folders, fig['inspections_first_half'], fig['inspections_second_half'],
                                 fig['signing_rate'], fig['trainings'], fig['hazards_overdue']):
        if a < t['inspections_per_half_month']:
            short[f].append(f'上半月排查{a}次（应≥{t["inspections_per_half_month"]}次）')
        if b < t['inspections_per_half_month']:
            short[f].append(f'下半月排查{b}次（应≥{t["inspections_per_half_month"]}次）')
        if not pd.isna(s) and s < t['signing_rate']:
            short[f].append(f'责任书签订率{s * 100:.1f}'.replace('.0', '') + f'%（应≥{t["signing_rate"] * 100:.0f}%）')
        if tn < t['trainings_per_month']:
            short[f].append(f'宣传培训{tn}次（应≥{t["trainings_per_month"]}次）')
        if o > t['max_overdue_hazards']:
            short[f].append(f'逾期未整改隐患{o}项（应≤{t["max_overdue_hazards"]}项）')
    fig['shortfalls'] = short.map('；'.join)
    fig['compliant'] = (fig['shortfalls'] == '').astype(int)

    # groups
    G = pd.DataFrame(group_rows, columns=['village_code', 'group_code', 'group_name'])
    gi = pd.MultiIndex.from_frame(G[['village_code', 'group_code']])
    gfig = pd.DataFrame(index=gi)
    gfig['inspections'] = ins.groupby(['_folder', 'g']).size().reindex(gi, fill_value=0)
    gfig['inspections_first_half'] = ins[ins['first']].groupby(['_folder', 'g']).size().reindex(gi, fill_value=0)
    gfig['inspections_second_half'] = gfig['inspections'] - gfig['inspections_first_half']
    gh = L.groupby(['_folder', 'g'])[list(hz_cols.values())].sum()
    for out, col in hz_cols.items():
        gfig[out] = gh[col].reindex(gi, fill_value=0).astype(int)
    gfig['rectification_rate_ytd'] = gfig['hazards_rectified_ytd'] / gfig['hazards_new_ytd'].replace(0, np.nan)
    gR = R[R['pt'] == 'group'].set_index(['folder', 'pc'])
    gfig['agreements_required'] = 1
    gfig['agreements_signed'] = gR['signed'].reindex(gi, fill_value=False).astype(int).to_numpy()
    gfig['signing_rate'] = gfig['agreements_signed'] / 1.0
    gfig['trainings'] = tr.groupby(['_folder', 'g']).size().reindex(gi, fill_value=0)
    gfig['training_participants'] = tr.groupby(['_folder', 'g'])['n'].sum().reindex(gi, fill_value=0).astype(int)

    # ---- CSVs into a temporary folder next to the outputs; renamed into place at the end (atomic)
    os.makedirs(outputs, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='.peer-', dir=outputs)
    os.makedirs(os.path.join(tmp, 'villages'))
    NUM = ['rows_read', 'rows_rejected', 'inspections', 'inspections_first_half', 'inspections_second_half'] + \
        list(hz_cols)[:7] + ['hazards_new_ytd', 'hazards_rectified_ytd', 'rectification_rate_ytd',
                             'agreements_required', 'agreements_signed', 'signing_rate', 'trainings',
                             'training_participants']

    def rate(s):
        # half up at 4 places (0.90625 -> 0.9063), as our tool; Python's format would round the exact half to even
        r = np.floor(pd.to_numeric(s) * 10000 + 0.5 + 1e-9) / 10000
        return r.map(lambda x: '' if pd.isna(x) else f'{x:.4f}')

    vf = fig.loc[vcodes]
    sv = pd.DataFrame({'period': P, 'village_code': vcodes, 'village_name': [names[c] for c in vcodes],
                       'files_submitted': vf['files_submitted'].to_numpy()})
    for c in NUM:
        sv[c] = vf[c].to_numpy()
    sv['compliant'] = vf['compliant'].to_numpy()
    sv['shortfalls'] = vf['shortfalls'].to_numpy()
    tot = fig[NUM].sum()
    st = pd.DataFrame([{'period': P, 'town_code': town['code'], 'town_name': town['name'],
                        'villages_submitted': int(vf['complete'].sum()), 'villages_compliant': int(vf['compliant'].sum()),
                        **{c: int(tot[c]) for c in NUM if c not in ('rectification_rate_ytd', 'signing_rate')}}])
    st['rectification_rate_ytd'] = tot['hazards_rectified_ytd'] / tot['hazards_new_ytd'] if tot['hazards_new_ytd'] else np.nan
    st['signing_rate'] = tot['agreements_signed'] / tot['agreements_required'] if tot['agreements_required'] else np.nan
    st = st[['period', 'town_code', 'town_name', 'villages_submitted', 'villages_compliant'] + NUM]
    for frame in (sv, st):
        for c in ('rectification_rate_ytd', 'signing_rate'):
            frame[c] = rate(frame[c])
    write_csv(st, os.path.join(tmp, 'summary_town.csv'))
    write_csv(sv, os.path.join(tmp, 'summary_villages.csv'))
    sg = G.assign(period=P, village_name=G['village_code'].map(names))
    for c in gfig.columns:
        sg[c] = gfig[c].to_numpy()
    for c in ('rectification_rate_ytd', 'signing_rate'):
        sg[c] = rate(sg[c])
    sg = sg[['period', 'village_code', 'village_name', 'group_code', 'group_name'] + list(gfig.columns)]
    write_csv(sg, os.path.join(tmp, 'summary_groups.csv'))
    # categories: every folder × every category
    cats = [k for k, _ in ENUMS['category']]
    ci = pd.MultiIndex.from_product([folders, cats], names=['folder', 'category'])
    cc = L.groupby(['_folder', 'cat'])[['is_new', 'rectified_in_period', 'open', 'overdue', 'ytd']].sum().reindex(ci, fill_value=0)
    scat = pd.DataFrame({'period': P, 'village_code': ci.get_level_values(0),
                         'village_name': ci.get_level_values(0).map(names), 'category': ci.get_level_values(1),
                         'category_name': ci.get_level_values(1).map(ENUM_LABEL['category']),
                         'hazards_new': cc['is_new'].to_numpy(), 'hazards_rectified': cc['rectified_in_period'].to_numpy(),
                         'hazards_open': cc['open'].to_numpy(), 'hazards_overdue': cc['overdue'].to_numpy(),
                         'hazards_new_ytd': cc['ytd'].to_numpy()})
    write_csv(scat, os.path.join(tmp, 'summary_categories.csv'))
    # hazard ledger: open at P's end or changed in P
    LL = L[L['open'] | (L['last_updated_period'] == P)].copy()
    LL['_order'] = LL['_folder'].map({f: i for i, f in enumerate(cfg['folder_order'])})
    LL = LL.sort_values(['_order', 'hid'])
    dstr = lambda s: s.dt.strftime('%Y-%m-%d').fillna('')  # noqa: E731
    ledger = pd.DataFrame({
        'period': P, 'village_code': LL['_folder'], 'village_name': LL['_folder'].map(names), 'hazard_id': LL['hid'],
        'registered_period': LL['registered_period'], 'last_updated_period': LL['last_updated_period'],
        'found_date': dstr(LL['found']), 'group_code': LL['g'], 'category': LL['cat'].map(ENUM_LABEL['category']),
        'level': LL['lvl'].map(ENUM_LABEL['level']), 'description': neutralise(LL['description']),
        'location': neutralise(LL['location']), 'responsible': neutralise(LL['responsible']),
        'deadline': dstr(LL['dl']), 'status': LL['st'].map(ENUM_LABEL['status']), 'rectified_date': dstr(LL['rect']),
        'escalated': LL['esc'].astype(int), 'escalated_to': neutralise(LL['escalated_to']),
        'is_new': LL['is_new'].astype(int), 'rectified_in_period': LL['rectified_in_period'].astype(int),
        'carried_over': LL['carried_over'].astype(int), 'overdue': LL['overdue'].astype(int),
        'days_overdue': LL['days_overdue']})
    write_csv(ledger, os.path.join(tmp, 'hazard_ledger.csv'))
    # validation issues of P's files (and file-level issues of P)
    iss = pd.concat([p for p in issue_parts if len(p)], ignore_index=True)
    iss = iss.join(fmeta[['period', 'folder', 'file']], on='_fid')
    iss = iss[iss['period'] == P]
    fi = pd.DataFrame(rd.issues)
    if len(fi):
        fi = fi[fi['period'] == P]
        iss = pd.concat([fi, iss.drop(columns=['_fid'])], ignore_index=True)
    iss['_order'] = iss['folder'].map({f: i for i, f in enumerate(cfg['folder_order'])}).fillna(-1)
    iss = iss.sort_values(['_order', 'file', 'line'], na_position='first', kind='stable')
    vi = pd.DataFrame({'period': P, 'village_code': iss['folder'], 'village_name': iss['folder'].map(names).fillna(iss['folder']),
                       'file': iss['file'], 'line': iss['line'].astype('Int64'), 'column': iss['column'],
                       'value': neutralise(iss['value']), 'severity': iss['severity'], 'rule': iss['rule'],
                       'message': iss['message']})
    write_csv(vi, os.path.join(tmp, 'validation_issues.csv'))
    write_csv(pd.DataFrame(columns=['period', 'scope', 'village_code', 'village_name', 'column', 'old_value',
                                    'new_value']), os.path.join(tmp, 'changes.csv'))
    log(f'computed and wrote CSVs in {time.time() - t0:.1f}s')

    # ---- workbooks
    ctx = dict(P=P, town=town, names=names, vcodes=vcodes, targets=targets, fig=fig, st=st, sg=sg, scat=scat,
               ledger=ledger, R=R, vi=vi, tr=data['trainings'][data['trainings']['_ok']], L=L)
    import workbooks
    workbooks.town_workbook(ctx, os.path.join(tmp, f'{town["name"]}安全社区月报_{P}.xlsx'))
    log(f'town workbook in {time.time() - t0:.1f}s')
    worker_rss = workbooks.village_workbooks(ctx, os.path.join(tmp, 'villages'), processes=2)
    import resource
    log(f'{len(vcodes)} village workbooks in {time.time() - t0:.1f}s; peak RSS: main process '
        f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB, workers {worker_rss} MB')

    counts = {'rows_read': int(files[files.period == P]['rows'].sum()), 'rows_rejected': int(tot['rows_rejected']),
              'errors': int((vi['severity'] == 'error').sum()), 'warnings': int((vi['severity'] == 'warning').sum())}
    manifest = {'tool': 'peer.py (pandas %s, XlsxWriter %s)' % (pd.__version__, xlsxwriter.__version__),
                'built_at': datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'), 'period': P,
                'config': {'path': 'pipeline.json', 'sha256': hashlib.sha256(cfg_bytes).hexdigest()},
                'counts': counts,
                'inputs': [{'path': p, 'sha256': h, 'size': n} for p, h, n in sorted(rd.hashes)],
                'files': files[files.period == P][['folder', 'dataset', 'file', 'state', 'rows']].to_dict('records'),
                'outputs': sorted(os.listdir(tmp))}
    with open(os.path.join(tmp, 'manifest.json'), 'w', encoding='utf-8') as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
    final = os.path.join(outputs, P)
    if os.path.exists(final):
        shutil.rmtree(final)
    os.rename(tmp, final)
    log(f'done {P}: {len(vcodes)} villages, {counts["rows_read"]} rows read, {counts["rows_rejected"]} rejected; '
        f'{counts["errors"]} errors, {counts["warnings"]} warnings; {time.time() - t0:.1f}s')


if __name__ == '__main__':
    main()
