// ECharts options built from an analytics answer (AnalyticsTable: flat rows,
// `period` and the grouping column first). Pure functions, so they are unit
// tested without a canvas; lib/echarts.ts draws them.
//
// Names from the data (region, centre, model, fault code) reach the chart only
// as data: axis labels and legends are drawn on the canvas as text, and the
// tooltip is rendered in the canvas too (renderMode 'richText'), never as
// HTML. ECharts' HTML tooltip would escape names, but it writes inline
// style="" attributes that the console's Content-Security-Policy refuses.
import type { Schemas } from '@/api/client';
import { columnKind, type ColumnKind, type MetricDef } from './analytics';

export type AnalyticsTable = Schemas['AnalyticsTable'];
type Cell = string | number | null | undefined;

export interface ChartText {
  /* A column's name in the reader's language (e.g. "Median response (min)"). */
  column(name: string): string;
  /* A dimension value as shown (a region's name, a channel's label, ...). */
  value(dimension: string, raw: string): string;
  /* A number of this kind as shown (percent, minutes, ...). */
  format(kind: ColumnKind, v: number | null): string;
  /* The label of a table that is one total row. */
  total: string;
}

/* AA-contrast colours on white, told apart by hue and lightness. */
export const PALETTE = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c', '#0e7490', '#4d7c0f', '#a21caf', '#374151'];

export interface ChartModel {
  categories: string[];
  series: { name: string; data: (number | null)[] }[];
  kind: ColumnKind;
  line: boolean;
  horizontal: boolean;
}

function num(v: Cell): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function text(v: Cell): string {
  return v === null || v === undefined ? '' : String(v);
}

/* The grouping column of a table: its `by`, or the fault code of the
 * ranked list; null for totals. */
export function groupColumn(table: AnalyticsTable): string | null {
  if (table.by && table.columns.includes(table.by)) return table.by;
  if (table.columns.includes('fault_code')) return 'fault_code';
  return null;
}

/* Pivots the rows into categories (the x axis) and series:
 * - with periods: one category per period, one series per group x measure;
 * - grouped without periods: one category per group, one series per measure;
 * - one total row: one category per measure, one series. */
export function chartModel(table: AnalyticsTable, def: MetricDef, t: ChartText): ChartModel {
  const rows = table.items;
  const group = groupColumn(table);
  const hasPeriod = table.columns.includes('period');
  const single = !hasPeriod && !group;
  const wanted = single && def.totalMeasures ? def.totalMeasures : def.measures;
  const measures = wanted.filter((m) => table.columns.includes(m));
  const kind = measures.length ? columnKind(measures[0]!) : 'count';
  const horizontal = !!def.horizontal && !hasPeriod;

  if (hasPeriod) {
    const periods = [...new Set(rows.map((r) => text(r.period)))].sort();
    const groups = group ? [...new Set(rows.map((r) => text(r[group])))] : [null];
    const series = groups.flatMap((g) =>
      measures.map((m) => {
        const parts = [g === null ? null : t.value(group!, g), measures.length > 1 || g === null ? t.column(m) : null];
        const data = periods.map((p) => {
          const row = rows.find((r) => text(r.period) === p && (g === null || text(r[group!]) === g));
          return row ? num(row[m]) : null;
        });
        return { name: parts.filter((x) => x !== null).join(' · '), data };
      }),
    );
    return { categories: periods, series, kind, line: periods.length > 1, horizontal: false };
  }
  if (group) {
    const categories = rows.map((r) => t.value(group, text(r[group])));
    const series = measures.map((m) => ({ name: t.column(m), data: rows.map((r) => num(r[m])) }));
    return { categories, series, kind, line: false, horizontal };
  }
  const row = rows[0];
  return {
    categories: measures.map((m) => t.column(m)),
    series: [{ name: t.total, data: measures.map((m) => (row ? num(row[m]) : null)) }],
    kind,
    line: false,
    horizontal,
  };
}

/* The ECharts option (plain data: no function returns HTML). */
export function buildOption(table: AnalyticsTable, def: MetricDef, t: ChartText): Record<string, unknown> {
  const m = chartModel(table, def, t);
  const valueAxis: Record<string, unknown> = {
    type: 'value',
    axisLabel: { formatter: (v: number) => t.format(m.kind, v) },
    minInterval: m.kind === 'count' ? 1 : undefined,
  };
  if (m.kind === 'ratio') {
    valueAxis.min = 0;
    valueAxis.max = 1;
  }
  if (m.kind === 'score') {
    valueAxis.min = 0;
    valueAxis.max = 5;
  }
  const categoryAxis: Record<string, unknown> = {
    type: 'category',
    data: m.categories,
    axisLabel: m.horizontal ? { width: 110, overflow: 'truncate' } : { hideOverlap: true },
    inverse: m.horizontal, // the most frequent first, at the top
  };
  const legend = m.series.length > 1;
  return {
    color: PALETTE,
    animation: false,
    aria: { enabled: false }, // the page's own data table is the accessible form
    // ECharts 6 keeps the axis labels inside the chart by itself (grid.outerBounds).
    grid: { left: 8, right: 16, top: legend ? 40 : 16, bottom: 8 },
    legend: legend ? { type: 'scroll', top: 0, textStyle: { color: '#1f2937' } } : undefined,
    tooltip: {
      trigger: 'axis',
      renderMode: 'richText',
      confine: true,
      axisPointer: { type: m.line ? 'line' : 'shadow' },
      valueFormatter: (v: unknown) => t.format(m.kind, typeof v === 'number' ? v : null),
    },
    xAxis: m.horizontal ? valueAxis : categoryAxis,
    yAxis: m.horizontal ? categoryAxis : valueAxis,
    series: m.series.map((s) => ({
      name: s.name,
      type: m.line ? 'line' : 'bar',
      data: s.data,
      connectNulls: false,
      barMaxWidth: 48,
      emphasis: { focus: 'series' },
    })),
  };
}

export interface DataTable {
  headers: { column: string; label: string; numeric: boolean }[];
  rows: { key: string; cells: string[] }[];
}

/* The same answer as a table for screen readers (and the tests): every
 * column the API sent, in its order, formatted as the chart reads it. */
export function dataTable(table: AnalyticsTable, t: ChartText): DataTable {
  const group = groupColumn(table);
  const headers = table.columns.map((c) => ({ column: c, label: t.column(c), numeric: columnKind(c) !== 'text' }));
  const rows = table.items.map((r, i) => ({
    key: `${i}:${text(r.period)}:${group ? text(r[group]) : ''}`,
    cells: table.columns.map((c) => {
      const kind = columnKind(c);
      if (kind !== 'text') return t.format(kind, num(r[c]));
      const v = text(r[c]);
      return c === 'period' || c === 'fault_code' ? v : t.value(c, v);
    }),
  }));
  return { headers, rows };
}
