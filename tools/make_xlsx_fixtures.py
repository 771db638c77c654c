#!/usr/bin/env python3
"""Writes the .xlsx fixtures of workers/data/formats/xlsx.test.ts with openpyxl (a real workbook writer, not ours):
`apt-get install python3-openpyxl`, then `/usr/bin/python3 tools/make_xlsx_fixtures.py`. The files are committed;
run this again only to change them."""
import datetime as dt
import math
import os

import openpyxl

OUT = os.path.join(os.path.dirname(__file__), '..', 'workers', 'data', 'fixtures')
os.makedirs(OUT, exist_ok=True)

# A monthly series with real Excel dates (number cells in a date style), a title sheet after it, a formula, an
# error cell, a shared string repeated, and an empty row; as spreadsheets of sales or passengers are kept.
wb = openpyxl.Workbook()
ws = wb.active
ws.title = 'Passengers'
ws.append(['Month', 'Passengers', 'Note'])
for i in range(48):
    d = dt.date(1949 + i // 12, i % 12 + 1, 1)
    ws.append([d, 112 + 2 * i + round(20 * math.sin(2 * math.pi * i / 12)), 'estimate' if i % 5 == 0 else 'counted'])
    ws.cell(row=ws.max_row, column=1).number_format = 'yyyy-mm'
ws['D1'] = 'Double'
ws['D2'] = '=B2*2'
ws['D3'] = '=1/0'
ws.append([])
about = wb.create_sheet('About')
about['A1'] = 'International airline passengers, monthly totals (thousands)'
wb.save(os.path.join(OUT, 'passengers.xlsx'))

# Hourly readings with date-times and a 1904 calendar: the serial numbers differ, the dates must not.
wb = openpyxl.Workbook()
wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
ws = wb.active
ws.title = 'Readings'
ws.append(['time', 'temperature', 'valid'])
for h in range(30):
    ws.append([dt.datetime(2021, 3, 1, 0, 30) + dt.timedelta(hours=h), round(10 + 3 * math.sin(h / 4), 2), h % 7 != 3])
wb.save(os.path.join(OUT, 'readings-1904.xlsx'))
print('wrote', OUT)
