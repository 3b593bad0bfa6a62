#!/usr/bin/env python3
# Splits the workbook threads' perf samples into the parts of writing a workbook (docs/performance-log.md, sixth pass).
#
# Usage:  perf record -e cpu-clock -F 2000 --call-graph dwarf,16384 -o perf.data safety-report run --period P
#         perf script --no-inline -i perf.data -F tid,comm,ip,sym,dso > perf.txt
#         scripts/workbook-profile.py perf.txt [--town]
# (`--call-graph dwarf`: libxlsxwriter and libc have no frame pointers, so `-g` loses their frames.) Keeps the
# samples under VillageWorkbook.write (or TownWorkbook.write with --town) and counts each in the first part below
# that its stack reaches, then prints each part's samples and share.
import re
import sys
from collections import Counter

args = [a for a in sys.argv[1:] if not a.startswith('--')]
if not args:
    sys.exit(__doc__ or 'usage: scripts/workbook-profile.py PERF_SCRIPT_OUTPUT [--town]')
target = 'TownWorkbookO5write' if '--town' in sys.argv else 'VillageWorkbookO5write'

def stacks(path):
    frames = None
    for line in open(path, errors='replace'):
        if not line.strip():
            if frames:
                yield frames
            frames = None
        elif not line[0].isspace():
            frames = []
        else:
            m = re.match(r'\s*[0-9a-f]+\s+(.*)\s+\([^()]*\)\s*$', line)
            if m and frames is not None:
                frames.append(m.group(1))
    if frames:
        yield frames

def reaches(names, pattern):
    return any(re.search(pattern, n) for n in names)

FORMATTING = r'printf|^lxw_new_attribute|^_fprint_escaped|^lxw_xml_|_escape|fwrite|fputc|^_write_(number|string|inline_string)_cell$'
parts, details, total = Counter(), Counter(), 0
for names in stacks(args[0]):
    if not any(target in n for n in names):
        continue
    total += 1
    if reaches(names, r'^zipClose$'):
        part = 'the zip written to its file (pwrite, writeback start: kernel)'
    elif reaches(names, r'^(deflate|crc32|crc32_z)$'):
        part = 'deflate (libdeflate up to 64 KB, zlib past it) and crc32'
    elif reaches(names, r'^_add_file_to_zip$'):
        part = 'minizip, the parts read back from memory'
    elif reaches(names, r'assemble_xml_file|^_write_\w+_file$'):
        part = "libxlsxwriter's XML of the parts, written at close"
        if reaches(names, FORMATTING):
            details['  ... of which tags, attributes and cells (printf, attribute malloc/strncpy, escaping)'] += 1
    elif reaches(names, r'^lxw_workbook_free$'):
        part = 'teardown: lxw_workbook_free'
        if reaches(names, r'^lxw_worksheet_free$') and not reaches(names, r'^_free_row$|^lxw_sst|^lxw_hash'):
            details['  ... of which lxw_worksheet_free on its own'] += 1
    elif reaches(names, r'^(workbook_new_opt|workbook_add_format|format_set_\w+|workbook_add_worksheet|'
                        r'workbook_set_properties|workbook_validate_sheet_name|lxw_worksheet_new)$'):
        part = 'set-up: workbook, formats, sheets, properties'
    elif reaches(names, r'^(worksheet_write_\w+|worksheet_merge_range)$'):
        part = "cells' storage (cell tree, shared strings, a constant-memory sheet's rows)"
        if reaches(names, r'part_write|_IO_cookie_write'):
            details['  ... of which rows copied into their temporary part (memory, then a file past 1 MB)'] += 1
        elif reaches(names, FORMATTING):
            details["  ... of which each row's cells formatted"] += 1
    elif reaches(names, r'^worksheet_\w+$'):
        part = 'sheet settings (columns, rows, conditional formats, filter, print setup)'
    elif reaches(names, r'^workbook_close$'):
        part = 'the rest of workbook_close'
    else:
        part = 'our Swift: cells, strings, layout (and Foundation)'
    parts[part] += 1
print(f'{total} samples under {target}')
for part, n in parts.most_common():
    print(f'{n:7d} {100 * n / max(total, 1):5.1f} %  {part}')
for part, n in details.most_common():
    print(f'{n:7d} {100 * n / max(total, 1):5.1f} % {part}')
