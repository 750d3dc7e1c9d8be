// Server-side rendering of one plot: ECharts' SVG renderer without a browser, and a PNG of that SVG
// with resvg. ECharts keeps Node's event loop alive until its instance is disposed, so every chart is
// disposed as soon as its SVG exists.
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { ChartSpec } from './charts';
import { measureText } from './text-metrics';

echarts.setPlatformAPI({ measureText });

export function renderSvg(spec: ChartSpec): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: spec.width, height: spec.height });
  try {
    chart.setOption(spec.option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** A PNG of an SVG at `scale` times its size (2 suits slides and print). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
