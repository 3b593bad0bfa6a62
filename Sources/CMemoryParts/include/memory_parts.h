// Keeps libxlsxwriter's temporary parts of small workbooks in memory instead of temporary files.

#ifndef SAFETY_REPORT_MEMORY_PARTS_H
#define SAFETY_REPORT_MEMORY_PARTS_H

/// The tmpdir to pass to libxlsxwriter so that the workbook's temporary parts are kept in memory; `folder` (or
/// NULL for libxlsxwriter's default) is where a part goes when memory cannot be had. A new string from
/// malloc, owned by the caller (libxlsxwriter keeps the pointer for the workbook's life); NULL when out of memory.
char *memory_parts_tmpdir(const char *folder);

/// 1 when this process's lxw_tmpfile is the one in this file (the executable exports it, so libxlsxwriter's
/// calls through its PLT reach it); 0 when libxlsxwriter would see the marker as a folder name.
int memory_parts_active(void);

#endif
