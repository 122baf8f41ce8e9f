// Apache ECharts with only what the analytics charts draw: bar and line
// series on a grid, a scrolling legend and the tooltip, painted on a canvas.
// Imported lazily (components/analytics/AnalyticsChart.vue), so this code is
// its own chunk and only the pages with charts download it.
import { use, init, type ECharts } from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendScrollComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([BarChart, LineChart, GridComponent, LegendScrollComponent, TooltipComponent, CanvasRenderer]);

export type Chart = ECharts;

export function createChart(el: HTMLElement): Chart {
  return init(el, undefined, { renderer: 'canvas' });
}
