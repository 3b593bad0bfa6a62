"""The peer's workbooks (XlsxWriter): the town workbook and one feedback workbook per village.

Sheets as our tool writes them (SPEC §5): title rows, a frozen header row, an autofilter, widths that fit Chinese
text, number/date/percent formats, A4 landscape one page wide with repeated header rows and the town, period and
page numbers in header/footer. The town workbook uses `constant_memory` (its long sheets are written row by row);
village workbooks are small and are written by two worker processes (multiprocessing, fork).
"""
import multiprocessing as mp
import os

import numpy as np
import pandas as pd
import xlsxwriter

_CTX = None  # the report, inherited by the forked workers


def _formats(wb):
    base = {'font_name': '宋体', 'font_size': 10, 'border': 1, 'valign': 'vcenter'}
    f = {
        'title': wb.add_format({'bold': True, 'font_size': 14, 'font_name': '黑体'}),
        'note': wb.add_format({'font_size': 9, 'font_color': '#595959', 'text_wrap': False}),
        'head': wb.add_format({**base, 'bold': True, 'bg_color': '#DDEBF7', 'align': 'center', 'text_wrap': True}),
        'text': wb.add_format(base),
        'int': wb.add_format({**base, 'num_format': '#,##0'}),
        'dec': wb.add_format({**base, 'num_format': '0.0'}),
        'pct': wb.add_format({**base, 'num_format': '0.0%'}),
        'date': wb.add_format({**base, 'num_format': 'yyyy-mm-dd'}),
        'bad': wb.add_format({**base, 'font_color': '#C00000', 'bg_color': '#FFC7CE'}),
        'bad_pct': wb.add_format({**base, 'font_color': '#C00000', 'bg_color': '#FFC7CE', 'num_format': '0.0%'}),
        'red': wb.add_format({**base, 'bg_color': '#FFC7CE'}),
        'red_date': wb.add_format({**base, 'bg_color': '#FFC7CE', 'num_format': 'yyyy-mm-dd'}),
        'major': wb.add_format({**base, 'bold': True, 'font_color': '#C00000'}),
        'yellow': wb.add_format({**base, 'bg_color': '#FFEB9C'}),
    }
    return f


def _sheet(wb, f, name, title, note, header, widths, header_text):
    """A sheet with its title, note, header row, freeze, widths and print setup; returns it (next row: 3)."""
    ws = wb.add_worksheet(name)
    ws.write(0, 0, title, f['title'])
    ws.write(1, 0, note, f['note'])
    ws.write_row(2, 0, header, f['head'])
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    ws.freeze_panes(3, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    ws.set_header('&C' + header_text)
    ws.set_footer('&C第&P页 共&N页')
    return ws


def _cell(v):
    """NaN/NaT/None -> None (blank); numpy scalars -> Python; text always written as a string, never a formula."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def _rows(ws, f, df, kinds, start=3):
    """Writes df's rows from `start`, row by row (as constant_memory needs); kinds: one format key per column."""
    r = start
    cols = [df[c].to_numpy(dtype=object) for c in df.columns]
    fmts = [f[k] for k in kinds]
    for i in range(len(df)):
        for j, col in enumerate(cols):
            v = _cell(col[i])
            if v is None:
                ws.write_blank(r, j, None, fmts[j])
            elif isinstance(v, str):
                ws.write_string(r, j, v, fmts[j])
            elif hasattr(v, 'year'):
                ws.write_datetime(r, j, v, fmts[j])
            else:
                ws.write_number(r, j, v, fmts[j])
        r += 1
    return r


def town_workbook(ctx, path):
    from peer import ENUM_LABEL
    P, town, names, fig, vcodes = ctx['P'], ctx['town'], ctx['names'], ctx['fig'], ctx['vcodes']
    t = ctx['targets']
    wb = xlsxwriter.Workbook(path, {'constant_memory': True, 'strings_to_formulas': False, 'strings_to_urls': False})
    wb.set_properties({'title': f'{town["name"]}安全社区月报 {P}', 'author': f'{town["name"]}安委办'})
    f = _formats(wb)
    head = f'{town["name"]}安全社区建设月度通报　{P}'
    y, m = P[:4], int(P[5:7])
    st = ctx['st'].iloc[0]
    vf = fig.loc[vcodes]

    # 总览: key figures and three charts (data on 图表数据)
    ws = _sheet(wb, f, '总览', f'{town["name"]}安全社区建设月度通报（{y}年{m}月）', f'{town["name"]}　统计周期：{P}',
                ['指标', '全镇', '目标', '达标村居数', '未达标村居数', '说明'], [22, 12, 12, 12, 12, 40], head)
    rows = [('村居总数', len(vcodes), '—', '—', '—', '登记在册的村（社区）'),
            ('报送完整村居数', int(st['villages_submitted']), '—', '—', '—', ''),
            ('达标村居数', int(st['villages_compliant']), '—', '—', '—', ''),
            ('排查次数', int(st['inspections']), f'每半月≥{t["inspections_per_half_month"]}次',
             int(((vf.inspections_first_half >= 1) & (vf.inspections_second_half >= 1)).sum()), None, ''),
            ('新增隐患', int(st['hazards_new']), '—', '—', '—', ''),
            ('本月整改', int(st['hazards_rectified']), '—', '—', '—', ''),
            ('待整改隐患', int(st['hazards_open']), '—', '—', '—', ''),
            ('逾期隐患', int(st['hazards_overdue']), f'≤{t["max_overdue_hazards"]}项',
             int((vf.hazards_overdue <= t['max_overdue_hazards']).sum()), None, ''),
            ('年度整改率', float(st['rectification_rate_ytd'] or 0), '—', '—', '—', ''),
            ('责任书签订率', float(st['signing_rate'] or 0), '100%', int((vf.signing_rate.fillna(1) >= 1).sum()), None, ''),
            ('宣传培训次数', int(st['trainings']), f'每月≥{t["trainings_per_month"]}次',
             int((vf.trainings >= t['trainings_per_month']).sum()), None, ''),
            ('参与人次', int(st['training_participants']), '—', '—', '—', '')]
    for i, r in enumerate(rows):
        r = list(r)
        if r[4] is None:
            r[4] = len(vcodes) - r[3]
        ws.write_string(3 + i, 0, r[0], f['text'])
        ws.write_number(3 + i, 1, r[1], f['pct'] if '率' in r[0] else f['int'])
        for j in (2, 3, 4, 5):
            ws.write(3 + i, j, r[j], f['text'] if isinstance(r[j], str) else f['int'])
    ws.autofilter(2, 0, 2 + len(rows), 5)
    n = len(vcodes)
    for title, cats, vals, anchor, kind in [
        ('隐患类别（本月新增、待整改）', '=图表数据!$A$3:$A$10', ['=图表数据!$B$3:$B$10', '=图表数据!$C$3:$C$10'], 'H3', 'column'),
        ('全年各月新增与整改隐患', '=图表数据!$E$3:$E$14', ['=图表数据!$F$3:$F$14', '=图表数据!$G$3:$G$14'], 'H20', 'line'),
        ('各村居年度整改率与签订率', f'=图表数据!$I$3:$I${2 + n}', [f'=图表数据!$J$3:$J${2 + n}', f'=图表数据!$K$3:$K${2 + n}'], 'H37', 'column')]:
        ch = wb.add_chart({'type': kind})
        for k, v in enumerate(vals):
            ch.add_series({'categories': cats, 'values': v, 'name': ['本月新增', '待整改', '新增', '整改', '整改率', '签订率'][k]})
        ch.set_title({'name': title})
        ws.insert_chart(anchor, ch)

    # 村居汇总: targets missed in red
    hdr = ['村居编码', '村居名称', '报送文件数', '报送完整', '读取行数', '退回行数', '排查次数', '上半月排查', '下半月排查',
           '新增隐患', '新增重大隐患', '本月整改', '待整改隐患', '待整改重大隐患', '逾期隐患', '已上报未整改', '年度新增隐患',
           '年度已整改', '年度整改率', '应签责任书', '已签责任书', '签订率', '宣传培训', '参与人次', '是否达标', '未达标项目']
    ws = _sheet(wb, f, '村居汇总', f'村居汇总（{y}年{m}月）', '未达标数值以红色标出', hdr, [14, 12] + [9] * 22 + [8, 50], head)
    cols = ['files_submitted', 'complete', 'rows_read', 'rows_rejected', 'inspections', 'inspections_first_half',
            'inspections_second_half', 'hazards_new', 'hazards_new_major', 'hazards_rectified', 'hazards_open',
            'hazards_open_major', 'hazards_overdue', 'hazards_escalated_open', 'hazards_new_ytd',
            'hazards_rectified_ytd', 'rectification_rate_ytd', 'agreements_required', 'agreements_signed',
            'signing_rate', 'trainings', 'training_participants', 'compliant', 'shortfalls']
    r = 3
    for code, row in zip(vcodes, vf[cols].itertuples(index=False)):
        ws.write_string(r, 0, code, f['text'])
        ws.write_string(r, 1, names[code], f['text'])
        bad = {'files_submitted': not row.complete, 'inspections_first_half': row.inspections_first_half < 1,
               'inspections_second_half': row.inspections_second_half < 1, 'hazards_overdue': row.hazards_overdue > 0,
               'signing_rate': not pd.isna(row.signing_rate) and row.signing_rate < 1, 'trainings': row.trainings < 1}
        for j, c in enumerate(cols):
            v = getattr(row, c)
            if c == 'complete':
                ws.write_string(r, 2 + j, '是' if v else '否', f['text'])
            elif c == 'compliant':
                ws.write_string(r, 2 + j, '是' if v else '否', f['text'] if v else f['bad'])
            elif c == 'shortfalls':
                ws.write_string(r, 2 + j, v, f['text'])
            elif c in ('rectification_rate_ytd', 'signing_rate'):
                if pd.isna(v):
                    ws.write_blank(r, 2 + j, None, f['pct'])
                else:
                    ws.write_number(r, 2 + j, float(v), f['bad_pct'] if bad.get(c) else f['pct'])
            else:
                ws.write_number(r, 2 + j, int(v), f['bad'] if bad.get(c) else f['int'])
        r += 1
    ws.autofilter(2, 0, r - 1, len(hdr) - 1)

    # 小组明细
    sg = ctx['sg']
    gcols = list(sg.columns[1:])
    ws = _sheet(wb, f, '小组明细', f'村民（居民）小组明细（{y}年{m}月）', f'小组数：{len(sg)}　按报送行中的小组编码统计',
                ['村居编码', '村居名称', '小组编码', '小组名称', '排查次数', '上半月排查', '下半月排查', '新增隐患', '新增重大隐患',
                 '本月整改', '待整改隐患', '待整改重大隐患', '逾期隐患', '已上报未整改', '年度新增隐患', '年度已整改', '年度整改率',
                 '应签责任书', '已签责任书', '签订率', '宣传培训', '参与人次'], [14, 12, 18, 14] + [9] * 18, head)
    g = sg[gcols].copy()
    for c in ('rectification_rate_ytd', 'signing_rate'):
        g[c] = pd.to_numeric(g[c], errors='coerce')
    end = _rows(ws, f, g, ['text'] * 4 + ['int'] * 12 + ['pct', 'int', 'int', 'pct', 'int', 'int'])
    ws.autofilter(2, 0, end - 1, len(gcols) - 1)

    # 隐患分类: units with hazards × category, then town totals by category
    sc = ctx['scat']
    has = sc[sc[['hazards_new', 'hazards_rectified', 'hazards_open', 'hazards_overdue', 'hazards_new_ytd']].sum(axis=1) > 0]
    ws = _sheet(wb, f, '隐患分类', f'隐患分类统计（{y}年{m}月）', '列出有隐患的单位与类别；表末为全镇各类别合计',
                ['单位编码', '单位名称', '隐患类别', '本月新增', '本月整改', '待整改', '逾期', '年度新增'], [14, 12, 14] + [9] * 5, head)
    part = has[['village_code', 'village_name', 'category_name', 'hazards_new', 'hazards_rectified', 'hazards_open',
                'hazards_overdue', 'hazards_new_ytd']]
    end = _rows(ws, f, part, ['text'] * 3 + ['int'] * 5)
    ws.autofilter(2, 0, end - 1, 7)
    cat_tot = sc.groupby('category_name', sort=False)[['hazards_new', 'hazards_rectified', 'hazards_open',
                                                        'hazards_overdue', 'hazards_new_ytd']].sum().reset_index()
    cat_tot.insert(0, 'a', '')
    cat_tot.insert(1, 'b', '全镇合计')
    _rows(ws, f, cat_tot, ['text'] * 3 + ['int'] * 5, start=end + 1)

    # 隐患台账: overdue rows red, major level bold red
    led = ctx['ledger']
    ws = _sheet(wb, f, '隐患台账', f'隐患整改台账（{y}年{m}月末）', '逾期隐患整行标红，重大隐患的等级标红加粗',
                ['单位名称', '隐患编号', '发现日期', '小组', '隐患类别', '等级', '隐患描述', '地点', '责任人', '整改期限', '状态',
                 '整改完成日期', '上报部门', '逾期天数', '标记'], [12, 16, 11, 14, 12, 6, 36, 20, 12, 11, 8, 11, 14, 8, 18], head)
    marks = np.where(led['overdue'] == 1, '逾期', '')
    marks = pd.Series(marks, index=led.index)
    marks = marks.str.cat(np.where(led['escalated'] == 1, '已上报', ''), sep='、').str.strip('、')
    marks = marks.str.cat(np.where(led['carried_over'] == 1, '结转未更新', ''), sep='、').str.strip('、')
    marks = marks.str.cat(np.where(led['is_new'] == 1, '本月新增', ''), sep='、').str.strip('、')
    marks = marks.str.cat(np.where(led['rectified_in_period'] == 1, '本月整改', ''), sep='、').str.strip('、').str.replace('、、', '、')
    lv = pd.DataFrame({'u': led['village_name'], 'id': led['hazard_id'], 'fd': pd.to_datetime(led['found_date']),
                       'g': led['group_code'], 'c': led['category'], 'l': led['level'], 'd': led['description'],
                       'loc': led['location'], 'resp': led['responsible'], 'dl': pd.to_datetime(led['deadline']),
                       's': led['status'], 'rd': pd.to_datetime(led['rectified_date'], errors='coerce'),
                       'e': led['escalated_to'], 'od': led['days_overdue'], 'm': marks})
    od = led['overdue'].to_numpy()
    major = (led['level'] == '重大').to_numpy()
    kinds = ['text', 'text', 'date', 'text', 'text', 'text', 'text', 'text', 'text', 'date', 'text', 'date', 'text', 'int', 'text']
    cols = [lv[c].to_numpy(dtype=object) for c in lv.columns]
    r = 3
    for i in range(len(lv)):
        for j, col in enumerate(cols):
            v = _cell(col[i])
            if od[i]:
                fmt = f['red_date'] if kinds[j] == 'date' else f['red']
            elif j == 5 and major[i]:
                fmt = f['major']
            else:
                fmt = f[kinds[j]]
            ws.write(r, j, v, fmt) if v is not None else ws.write_blank(r, j, None, fmt)
        r += 1
    ws.autofilter(2, 0, r - 1, 14)

    # 责任书
    R = ctx['R']
    R = R.assign(_o=R['folder'].map({c: i for i, c in enumerate([town['code']] + vcodes)})).sort_values(['_o'], kind='stable')
    ptl = {'village': '村(社区)', 'group': '村民小组', 'key_unit': '重点生产经营单位', 'resident_unit': '驻地单位',
           'school': '学校', 'hospital': '医院', 'other': '其他'}
    ws = _sheet(wb, f, '责任书', f'安全生产目标责任书签订情况（{y}年）',
                f'应签{len(R)}份，已签{int(R.signed.sum())}份；名单缺漏指登记在册但未列入名单的对象，按未签订计',
                ['单位编码', '单位名称', '对象类型', '对象编码', '对象名称', '签订状态', '签订日期', '名单报送月份'],
                [14, 12, 16, 18, 24, 10, 11, 12], head)
    status = np.where(R['signed'], '已签订', np.where(R['listed'], '未签订', '名单缺漏'))
    av = pd.DataFrame({'a': R['folder'], 'b': R['folder'].map(names), 'c': R['pt'].map(ptl), 'd': R['pc'],
                       'e': R['name'], 'f': status, 'g': R['signed_date'], 'h': R['list_period'].fillna('')})
    end = _rows(ws, f, av, ['text'] * 6 + ['date', 'text'])
    ws.autofilter(2, 0, end - 1, 7)

    # 宣传培训 and 培训统计
    tr = ctx['tr']
    tr = tr.assign(_o=tr['_folder'].map({c: i for i, c in enumerate([town['code']] + vcodes)})).sort_values(['_o', '_line'], kind='stable')
    special = np.where(tr['date'].dt.month == 6, '安全生产月',
                       np.where((tr['date'].dt.month == 11) & (tr['date'].dt.day == 9), '11·9消防日',
                                np.where((tr['aud_k'] == 'students') | tr['theme'].str.contains('校园|学校'), '安全进校园', '')))
    ws = _sheet(wb, f, '宣传培训', f'安全宣传教育培训活动（{y}年{m}月）',
                f'活动{len(tr)}次，参与{int(tr["n"].sum())}人次；分类统计见「培训统计」',
                ['单位编码', '单位名称', '活动日期', '小组编码', '活动形式', '活动主题', '参与对象', '参与人数', '时长(小时)',
                 '发放资料(份)', '专项活动'], [14, 12, 11, 18, 10, 30, 10, 9, 9, 10, 12], head)
    tv = pd.DataFrame({'a': tr['_folder'], 'b': tr['_folder'].map(names), 'c': tr['date'], 'd': tr['g'],
                       'e': tr['form_k'].map(ENUM_LABEL['form']), 'f': tr['theme'],
                       'g': tr['aud_k'].map(ENUM_LABEL['audience']),
                       'h': tr['n'], 'i': tr['hours_v'], 'j': tr['materials_v'], 'k': special})
    end = _rows(ws, f, tv, ['text', 'text', 'date', 'text', 'text', 'text', 'text', 'int', 'dec', 'int', 'text'])
    ws.autofilter(2, 0, end - 1, 10)
    ws = _sheet(wb, f, '培训统计', f'宣传教育培训分类统计（{y}年{m}月）', '专项活动：安全生产月＝6月；11·9消防日＝11月9日；安全进校园＝学生或校园主题',
                ['统计类别', '项目', '活动次数', '参与人次', '开展单位数'], [14, 16, 10, 10, 10], head)
    stats = []
    for label, key in (('按活动形式', tv['e']), ('按参与对象', tv['g'].fillna('未填')), ('专项活动', tv['k'])):
        agg = tv.assign(key=key)[key != ''].groupby('key').agg(n=('h', 'size'), p=('h', 'sum'), u=('a', 'nunique'))
        stats += [(label, k, int(a), int(b), int(c)) for k, (a, b, c) in agg.iterrows()]
    end = _rows(ws, f, pd.DataFrame(stats), ['text', 'text', 'int', 'int', 'int'])
    ws.autofilter(2, 0, end - 1, 4)

    # 数据校验
    vi = ctx['vi']
    ws = _sheet(wb, f, '数据校验', f'数据校验问题清单（{y}年{m}月）',
                f'错误{int((vi.severity == "error").sum())}条（该行或该文件未被采用），警告{int((vi.severity == "warning").sum())}条（数据已采用，请核实）',
                ['单位编码', '单位名称', '文件', '行号', '列', '值', '级别', '规则', '说明'], [14, 12, 16, 6, 16, 20, 6, 24, 60], head)
    vv = vi[['village_code', 'village_name', 'file', 'line', 'column', 'value', 'severity', 'rule', 'message']].copy()
    vv['line'] = vv['line'].astype(object).where(vv['line'].notna(), None)
    vv['severity'] = vv['severity'].map({'error': '错误', 'warning': '警告'})
    end = _rows(ws, f, vv, ['text', 'text', 'text', 'int', 'text', 'text', 'text', 'text', 'text'])
    ws.autofilter(2, 0, end - 1, 8)

    # 通报: commendation and criticism with reasons
    ok = int(vf.compliant.sum())
    ws = _sheet(wb, f, '通报', f'{y}年{m}月安全社区建设工作通报',
                f'{ok}个村居各项指标均达到要求，予以通报表扬；{len(vcodes) - ok}个村居存在不足，予以通报批评。',
                ['序号', '村居编码', '村居名称', '通报类别', '情况说明'], [6, 14, 12, 10, 80], head)
    order = sorted(vcodes, key=lambda c: (-int(fig.at[c, 'compliant']), c))
    tb = pd.DataFrame({'i': range(1, len(order) + 1), 'c': order, 'n': [names[c] for c in order],
                       'k': ['通报表扬' if fig.at[c, 'compliant'] else '通报批评' for c in order],
                       's': [fig.at[c, 'shortfalls'] or '各项指标均达到要求' for c in order]})
    end = _rows(ws, f, tb, ['int', 'text', 'text', 'text', 'text'])
    ws.autofilter(2, 0, end - 1, 4)

    # 图表数据 (for the overview's charts): categories, the year's months, rates by village
    ws = wb.add_worksheet('图表数据')
    ws.write(0, 0, '图表数据（供「总览」图表引用，请勿删除）', f['title'])
    ws.write_row(1, 0, ['隐患类别', '本月新增', '待整改', '', '月份', '新增隐患', '整改隐患', '', '村居', '年度整改率', '责任书签订率', '签订率目标'], f['head'])
    ct = sc.groupby('category_name', sort=False)[['hazards_new', 'hazards_open']].sum()
    L = ctx['L']
    months = [f'{y}-{k:02d}' for k in range(1, 13)]
    reg_by = L.groupby('registered_period').size()
    rect_by = L[L['is_rect']].groupby('last_updated_period').size()
    cat_rows = list(ct.itertuples())
    for i in range(max(12, len(vcodes))):
        r = 2 + i
        if i < len(cat_rows):
            ws.write_string(r, 0, cat_rows[i][0]); ws.write_number(r, 1, int(cat_rows[i][1])); ws.write_number(r, 2, int(cat_rows[i][2]))
        if i < 12:
            ws.write_string(r, 4, f'{i + 1}月')
            ws.write_number(r, 5, int(reg_by.get(months[i], 0)) if months[i] <= P else 0)
            ws.write_number(r, 6, int(rect_by.get(months[i], 0)) if months[i] <= P else 0)
        if i < len(vcodes):
            c = vcodes[i]
            ws.write_string(r, 8, names[c])
            for j, col in ((9, 'rectification_rate_ytd'), (10, 'signing_rate')):
                v = fig.at[c, col]
                ws.write_number(r, j, float(v), f['pct']) if not pd.isna(v) else ws.write_blank(r, j, None)
            ws.write_number(r, 11, t['signing_rate'], f['pct'])
    ws.autofilter(1, 8, 1 + len(vcodes), 11)
    wb.close()


def _split(df, key, cols):
    """Rows of df as lists of Python values (blank = None), split by `key`: computed once for the whole town."""
    out = {}
    if not len(df):
        return out
    arrays = [df[c].to_numpy(dtype=object) for c in cols]
    keys = df[key].to_numpy(dtype=object)
    for i in range(len(df)):
        out.setdefault(keys[i], []).append([_cell(a[i]) for a in arrays])
    return out


def village_workbooks(ctx, folder, processes=2):
    """One workbook per village, written by `processes` forked workers (the report is inherited, not pickled)."""
    global _CTX
    from peer import ENUM_LABEL as E
    L, R, vi = ctx['L'], ctx['R'], ctx['vi']
    # The display tables are built once for the whole town (vectorised), then split per village before forking.
    oh = L[L['open']].sort_values(['_folder', 'hid'])
    hv = pd.DataFrame({'v': oh['_folder'], 'a': oh['hid'], 'b': oh['found'], 'c': oh['g'], 'd': oh['cat'].map(E['category']),
                       'e': oh['lvl'].map(E['level']), 'f': oh['description'], 'g': oh['location'], 'h': oh['responsible'],
                       'i': oh['dl'], 'j': oh['st'].map(E['status']), 'k': oh['escalated_to'], 'l': oh['days_overdue'],
                       'm': np.where(oh['overdue'], '逾期', np.where(oh['carried_over'], '结转未更新', '')),
                       'od': oh['overdue']})
    ptl = {'group': '村民小组', 'resident_unit': '驻地单位', 'school': '学校', 'hospital': '医院', 'other': '其他'}
    av = pd.DataFrame({'v': R['folder'], 'a': R['pt'].map(ptl), 'b': R['pc'], 'c': R['name'],
                       'd': np.where(R['signed'], '已签订', np.where(R['listed'], '未签订', '名单缺漏')),
                       'e': R['signed_date'], 'f': R['list_period'].fillna('')})
    fx = pd.DataFrame({'v': vi['village_code'], 'a': vi['file'], 'b': vi['line'].astype(object).where(vi['line'].notna(), None),
                       'c': vi['column'], 'd': vi['value'], 'e': vi['severity'].map({'error': '错误', 'warning': '警告'}),
                       'f': vi['message'], 'g': np.where(vi['severity'] == 'error', '请按说明更正后在下月重新报送', '请核实')})
    ctx['by_v'] = {'L': _split(hv, 'v', list('abcdefghijklm') + ['od']), 'R': _split(av, 'v', list('abcdef')),
                   'vi': _split(fx, 'v', list('abcdefg'))}
    fig = ctx['fig'].loc[ctx['vcodes']]
    ctx['avg'] = fig.mean(numeric_only=True).to_dict()
    rank = fig.rank(method='min', ascending=False)
    ctx['rank'] = {c: rank[c].to_dict() for c in rank.columns}
    ctx['vfig'] = fig.to_dict('index')
    ctx['folder'] = folder
    _CTX = ctx
    codes = ctx['vcodes']
    rss = []
    with mp.get_context('fork').Pool(processes) as pool:
        for r in pool.imap_unordered(_village_chunk, [codes[i::processes] for i in range(processes)]):
            rss.append(r)
    # each worker's own peak RSS (MB), so a benchmark can check that `time -f %M` (the largest of the process
    # and the children it waited for) covers them
    return rss


def _village_chunk(codes):
    import resource
    for c in codes:
        _village(_CTX, c)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


ROWS = [('报送文件数', 'files_submitted', '报送完整'), ('排查次数', 'inspections', ''),
        ('上半月排查', 'inspections_first_half', '≥1次'), ('下半月排查', 'inspections_second_half', '≥1次'),
        ('新增隐患', 'hazards_new', ''), ('本月整改', 'hazards_rectified', ''), ('待整改隐患', 'hazards_open', ''),
        ('逾期隐患', 'hazards_overdue', '≤0项'), ('年度整改率', 'rectification_rate_ytd', ''),
        ('责任书签订率', 'signing_rate', '100%'), ('宣传培训', 'trainings', '≥1次'), ('参与人次', 'training_participants', '')]


def _write_list(ws, f, rows, kinds, red=None):
    """Writes prepared rows (lists of Python values) from row 3; `red`: index of a flag column for a red row."""
    r = 3
    for row in rows:
        bad = red is not None and row[red]
        for j, k in enumerate(kinds):
            v = row[j]
            fmt = (f['red_date'] if k == 'date' else f['red']) if bad else f[k]
            if v is None:
                ws.write_blank(r, j, None, fmt)
            elif isinstance(v, str):
                ws.write_string(r, j, v, fmt)
            elif hasattr(v, 'year'):
                ws.write_datetime(r, j, v, fmt)
            else:
                ws.write_number(r, j, v, fmt)
        r += 1
    return r


def _village(ctx, code):
    P, names = ctx['P'], ctx['names']
    name = names[code]
    y, m = P[:4], int(P[5:7])
    row = ctx['vfig'][code]
    n = len(ctx['vcodes'])
    # small workbooks: assembled in memory (XlsxWriter's in_memory), no temporary files
    wb = xlsxwriter.Workbook(os.path.join(ctx['folder'], code + '.xlsx'),
                             {'in_memory': True, 'strings_to_formulas': False, 'strings_to_urls': False})
    f = _formats(wb)
    head = f'{name}安全社区月度反馈　{P}'
    ws = _sheet(wb, f, '本村概况', f'{name}安全社区月度反馈（{y}年{m}月）',
                f'{code} {name}　全镇共{n}个村居，排名1为最好　' +
                ('本月各项达标。' if row['compliant'] else '本月未达标：' + row['shortfalls']),
                ['指标', '本村', '目标', '是否达标', '全镇村居平均', '全镇排名'], [16, 10, 10, 10, 12, 10], head)
    bad = {'files_submitted': not row['complete'], 'inspections_first_half': row['inspections_first_half'] < 1,
           'inspections_second_half': row['inspections_second_half'] < 1, 'hazards_overdue': row['hazards_overdue'] > 0,
           'signing_rate': not pd.isna(row['signing_rate']) and row['signing_rate'] < 1, 'trainings': row['trainings'] < 1}
    for i, (label, col, target) in enumerate(ROWS):
        v = row[col]
        pct = 'rate' in col
        ws.write_string(3 + i, 0, label, f['text'])
        if pd.isna(v):
            ws.write_blank(3 + i, 1, None, f['pct'])
        else:
            ws.write_number(3 + i, 1, float(v), (f['bad_pct'] if bad.get(col) else f['pct']) if pct else (f['bad'] if bad.get(col) else f['int']))
        ws.write_string(3 + i, 2, target or '—', f['text'])
        ws.write_string(3 + i, 3, ('未达标' if bad.get(col) else '达标') if target else '—', f['text'])
        a = ctx['avg'].get(col, np.nan)
        if pd.isna(a):
            ws.write_blank(3 + i, 4, None, f['text'])
        else:
            ws.write_number(3 + i, 4, float(a), f['pct'] if pct else f['dec'])
        rk = ctx['rank'].get(col, {}).get(code, np.nan)
        ws.write_string(3 + i, 5, f'{int(rk)}/{n}' if not pd.isna(rk) else '—', f['text'])
    ws.autofilter(2, 0, 2 + len(ROWS), 5)

    L = ctx['by_v']['L'].get(code, [])
    ws = _sheet(wb, f, '待整改隐患', f'{name}待整改隐患（{y}年{m}月末）',
                f'待整改{len(L)}项，其中逾期{sum(1 for r in L if r[13])}项；请按期整改并在下月隐患台账中更新状态。',
                ['隐患编号', '发现日期', '小组', '隐患类别', '等级', '隐患描述', '地点', '责任人', '整改期限', '状态', '上报部门',
                 '逾期天数', '标记'], [16, 11, 14, 12, 6, 36, 20, 12, 11, 8, 14, 8, 14], head)
    end = _write_list(ws, f, L, ['text', 'date', 'text', 'text', 'text', 'text', 'text', 'text', 'date', 'text', 'text',
                                 'int', 'text'], red=13)
    ws.autofilter(2, 0, max(end - 1, 2), 12)

    R = ctx['by_v']['R'].get(code, [])
    ws = _sheet(wb, f, '责任书', f'{name}安全生产目标责任书（{y}年）',
                f'应签{len(R)}份，未签{sum(1 for r in R if r[3] != "已签订")}份；「名单缺漏」是登记在册却未列入名单的对象，请补签并补报名单',
                ['对象类型', '对象编码', '对象名称', '签订状态', '签订日期', '名单报送月份'], [16, 18, 24, 10, 11, 12], head)
    end = _write_list(ws, f, R, ['text', 'text', 'text', 'text', 'date', 'text'])
    ws.autofilter(2, 0, max(end - 1, 2), 5)

    V = ctx['by_v']['vi'].get(code, [])
    ws = _sheet(wb, f, '需更正数据', f'{name}需更正的数据（{y}年{m}月）',
                f'错误{sum(1 for r in V if r[4] == "错误")}条（该行或该文件未被采用），警告{sum(1 for r in V if r[4] == "警告")}条（数据已采用，请核实）',
                ['文件', '行号', '列', '填写的值', '级别', '问题', '如何更正'], [16, 6, 16, 20, 6, 60, 40], head)
    end = _write_list(ws, f, V, ['text', 'int', 'text', 'text', 'text', 'text', 'text'])
    ws.autofilter(2, 0, max(end - 1, 2), 6)
    wb.close()
