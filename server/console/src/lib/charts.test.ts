import { describe, expect, it } from 'vitest';
import { init, use } from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendScrollComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { buildOption, chartModel, dataTable, type AnalyticsTable, type ChartText } from './charts';
import { metricDef } from './analytics';

use([BarChart, LineChart, GridComponent, LegendScrollComponent, TooltipComponent, SVGRenderer]);

const t: ChartText = {
  column: (c) => `col:${c}`,
  value: (d, v) => (d === 'centre' && v === 'C-SZ' ? 'Shenzhen' : v),
  format: (k, v) => (v === null ? '—' : k === 'ratio' ? `${(v * 100).toFixed(1)}%` : String(v)),
  total: 'Total',
};

const table = (t: Partial<AnalyticsTable> & Pick<AnalyticsTable, 'columns' | 'items'>): AnalyticsTable => ({ by: null, interval: 'all', ...t });

describe('chartModel', () => {
  it('one total row: one bar per measure', () => {
    const m = chartModel(
      table({
        columns: ['response_met', 'response_compliance', 'arrival_compliance', 'resolution_compliance'],
        items: [{ response_met: 3, response_compliance: 0.75, arrival_compliance: null, resolution_compliance: 1 }],
      }),
      metricDef('sla'),
      t,
    );
    expect(m.categories).toEqual(['col:response_compliance', 'col:arrival_compliance', 'col:resolution_compliance']);
    expect(m.series).toEqual([{ name: 'Total', data: [0.75, null, 1] }]);
    expect(m.kind).toBe('ratio');
    expect(m.line).toBe(false);
  });

  it('periods and a dimension: one line per group, periods sorted, gaps null', () => {
    const m = chartModel(
      table({
        by: 'centre',
        interval: 'day',
        columns: ['period', 'centre', 'count'],
        items: [
          { period: '2026-12-02', centre: 'C-SZ', count: 2 },
          { period: '2026-12-01', centre: 'C-SZ', count: 1 },
          { period: '2026-12-02', centre: 'C-GZ', count: 4 },
        ],
      }),
      metricDef('volume'),
      t,
    );
    expect(m.categories).toEqual(['2026-12-01', '2026-12-02']);
    expect(m.series).toEqual([
      { name: 'Shenzhen', data: [1, 2] },
      { name: 'C-GZ', data: [null, 4] },
    ]);
    expect(m.line).toBe(true);
  });

  it('grouped without periods: categories are the groups', () => {
    const m = chartModel(
      table({ by: 'priority', columns: ['priority', 'first_time_fix_rate'], items: [{ priority: 'P1', first_time_fix_rate: 0.5 }] }),
      metricDef('first-time-fix'),
      t,
    );
    expect(m.categories).toEqual(['P1']);
    expect(m.series).toEqual([{ name: 'col:first_time_fix_rate', data: [0.5] }]);
  });

  it('satisfaction totals show the score distribution', () => {
    const m = chartModel(
      table({
        columns: ['resolved', 'average', 'score_1', 'score_2', 'score_3', 'score_4', 'score_5'],
        items: [{ resolved: 4, average: 4.5, score_1: 0, score_2: 0, score_3: 0, score_4: 2, score_5: 2 }],
      }),
      metricDef('satisfaction'),
      t,
    );
    expect(m.series[0]!.data).toEqual([0, 0, 0, 2, 2]);
    expect(m.kind).toBe('count');
  });

  it('fault codes: horizontal bars, most frequent first', () => {
    const m = chartModel(
      table({ columns: ['fault_code', 'count', 'share'], items: [{ fault_code: 'E-21', count: 3, share: 0.75 }, { fault_code: 'E-7', count: 1, share: 0.25 }] }),
      metricDef('fault-codes'),
      t,
    );
    expect(m.horizontal).toBe(true);
    expect(m.categories).toEqual(['E-21', 'E-7']);
    expect(m.series).toEqual([{ name: 'col:count', data: [3, 1] }]);
  });
});

const hostile = '<b>x</b>';
const img = '<img src=x onerror=alert(1)>';
const hostileTable = table({
  by: 'centre',
  columns: ['centre', 'count'],
  items: [{ centre: hostile, count: 2 }, { centre: img, count: 1 }],
});

describe('buildOption with names that look like HTML', () => {
  const option = buildOption(hostileTable, metricDef('volume'), t);

  it('keeps the names as data and draws the tooltip on the canvas, not as HTML', () => {
    expect((option.xAxis as { data: string[] }).data).toEqual([hostile, img]);
    const tooltip = option.tooltip as Record<string, unknown>;
    expect(tooltip.renderMode).toBe('richText');
    expect(tooltip.formatter).toBeUndefined();
    expect((tooltip.valueFormatter as (v: number) => string)(2)).toBe('2');
  });

  it('rendered (SVG, server side), the names are escaped text, no element', () => {
    const chart = init(null as unknown as HTMLElement, undefined, { renderer: 'svg', ssr: true, width: 600, height: 300 });
    chart.setOption(buildOption(hostileTable, metricDef('volume'), t));
    const svg = chart.renderToSVGString();
    chart.dispose();
    expect(svg).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('<img');
  });

  it('a ratio axis runs from 0 to 100 %', () => {
    const o = buildOption(table({ columns: ['renewal_rate'], items: [{ renewal_rate: 0.4 }] }), metricDef('warranty-renewals'), t);
    expect(o.yAxis).toMatchObject({ type: 'value', min: 0, max: 1 });
    expect((o.yAxis as { axisLabel: { formatter: (v: number) => string } }).axisLabel.formatter(0.5)).toBe('50.0%');
  });
});

describe('dataTable', () => {
  it('every column, formatted, with group names resolved', () => {
    const d = dataTable(
      table({ by: 'centre', columns: ['centre', 'response_compliance', 'response_met'], items: [{ centre: 'C-SZ', response_compliance: 0.5, response_met: 1 }, { centre: hostile, response_compliance: null, response_met: 0 }] }),
      t,
    );
    expect(d.headers.map((h) => [h.label, h.numeric])).toEqual([
      ['col:centre', false], ['col:response_compliance', true], ['col:response_met', true],
    ]);
    expect(d.rows.map((r) => r.cells)).toEqual([
      ['Shenzhen', '50.0%', '1'],
      [hostile, '—', '0'],
    ]);
  });
});
