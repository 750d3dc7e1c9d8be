// The report's plots as ECharts options, built from the report model only. Each plot also carries
// the hover label of every data point (series index → data index → text) for the page's tooltips.
import type { EChartsOption } from 'echarts';
import { fixed, percent, trainedLabel } from './format';
import { phaseKeys, phaseLabels, type ReportModel } from './model';
import { measureText } from './text-metrics';

export interface ChartSpec {
  /** File stem of the plot (`plots/<id>.svg`) and the figure's DOM id. */
  id: string;
  title: string;
  /** What the plot shows, in a sentence, under it on the page. */
  caption: string;
  option: EChartsOption;
  width: number;
  height: number;
  /** Hover text per series index, per data index. */
  hover: string[][];
}

const width = 760;
const height = 380;
const font = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const ink = '#1f2937';
const muted = '#6b7280';
const grid = '#e5e7eb';

const colors = {
  valid: '#2f9e6e',
  invalid: ['#f59e0b', '#d97706', '#fbbf24', '#b45309', '#fcd34d', '#92400e'],
  failed: ['#dc2626', '#f87171', '#991b1b', '#fca5a5', '#7f1d1d'],
  generator: '#7c3aed',
  evaluator: '#0ea5e9',
  target: '#9ca3af',
  phases: ['#6366f1', '#14b8a6', '#0ea5e9', '#22c55e', '#a855f7', '#d1d5db'],
  heat: ['#f8fafc', '#c7d2fe', '#818cf8', '#4f46e5', '#312e81'],
  lines: ['#4f46e5', '#0ea5e9', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6'],
};

/** Rows the legend wraps into at the chart's width, so the plot starts below it. */
function legendRows(names: readonly string[]): number {
  const available = width - 24;
  let rows = 1;
  let used = 0;
  for (const name of names) {
    const item = 14 + 5 + measureText(name, '12px').width + 10;
    if (used > 0 && used + item > available) {
      rows += 1;
      used = 0;
    }
    used += item;
  }
  return rows;
}

function frame(title: string, legendNames: readonly string[] | null): EChartsOption {
  const legend = legendNames !== null;
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: font, color: ink },
    title: {
      text: title,
      left: 16,
      top: 10,
      textStyle: { fontSize: 15, fontWeight: 'bold', color: ink, fontFamily: font },
    },
    grid: { left: 64, right: 64, top: legend ? 44 + legendRows(legendNames) * 20 + 14 : 52, bottom: 52 },
    ...(legend
      ? {
          legend: {
            top: 36,
            left: 12,
            itemWidth: 14,
            itemHeight: 10,
            itemGap: 10,
            textStyle: { fontSize: 12, color: ink, fontFamily: font },
          },
        }
      : {}),
  };
}

function categoryAxis(labels: string[], name: string): EChartsOption['xAxis'] {
  return {
    type: 'category',
    data: labels,
    name,
    nameLocation: 'middle',
    nameGap: 30,
    axisTick: { alignWithLabel: true },
    axisLine: { lineStyle: { color: muted } },
    axisLabel: { color: ink },
  };
}

function valueAxis(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'value',
    name,
    nameLocation: 'middle',
    nameGap: 44,
    splitLine: { lineStyle: { color: grid } },
    axisLabel: { color: ink },
    ...extra,
  };
}

function line(
  name: string,
  data: Array<number | null>,
  color: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'line',
    name,
    data,
    showAllSymbol: true,
    symbolSize: 8,
    connectNulls: true,
    lineStyle: { width: 2.5, color },
    itemStyle: { color },
    ...extra,
  };
}

function outcomesChart(model: ReportModel): ChartSpec {
  const rounds = model.rounds.map((r) => r.label);
  let invalidIndex = 0;
  let failedIndex = 0;
  const bars = model.outcomeCategories.map((category) => {
    const color =
      category.outcome === 'valid'
        ? colors.valid
        : category.outcome === 'invalid'
          ? colors.invalid[invalidIndex++ % colors.invalid.length]!
          : colors.failed[failedIndex++ % colors.failed.length]!;
    return {
      type: 'bar',
      name: category.key,
      stack: 'outcome',
      barMaxWidth: 56,
      itemStyle: { color },
      data: model.rounds.map((r) => r.outcomeCounts[category.key] ?? 0),
    };
  });
  const rate = model.rounds.map((r) => (r.episodes === 0 ? null : r.validRate * 100));
  return {
    id: 'outcomes',
    title: 'Outcomes per round',
    caption:
      'Episodes per round by outcome and reason code (bars, left axis) and the valid-play rate (line, right axis).',
    width,
    height,
    option: {
      ...frame('Outcomes per round', [...model.outcomeCategories.map((c) => c.key), 'valid rate']),
      xAxis: categoryAxis(rounds, 'round'),
      yAxis: [
        valueAxis('episodes', { minInterval: 1 }),
        valueAxis('valid rate (%)', { min: 0, max: 100, splitLine: { show: false }, nameGap: 40 }),
      ],
      series: [
        ...bars,
        line('valid rate', rate, ink, { yAxisIndex: 1, lineStyle: { width: 2, color: ink, type: 'dashed' } }),
      ],
    } as EChartsOption,
    hover: [
      ...model.outcomeCategories.map((category) =>
        model.rounds.map(
          (r) => `round ${r.label} · ${category.key}: ${r.outcomeCounts[category.key] ?? 0} of ${r.episodes}`,
        ),
      ),
      model.rounds.map((r) => `round ${r.label} · valid rate ${percent(r.episodes === 0 ? null : r.validRate, 1)}`),
    ],
  };
}

function difficultyHeatmap(model: ReportModel): ChartSpec {
  const cells: Array<[number, number, number]> = [];
  model.rounds.forEach((r, x) =>
    r.difficultyHistogram.forEach((count, difficulty) => cells.push([x, difficulty, count])),
  );
  const max = Math.max(1, ...cells.map((c) => c[2]));
  return {
    id: 'difficulty-histogram',
    title: 'Difficulty of valid plays',
    caption:
      'How many valid plays reached each difficulty (0 = the evaluator always found a divergence, 10 = never), per round.',
    width,
    height: 420,
    option: {
      ...frame('Difficulty of valid plays', null),
      grid: { left: 64, right: 96, top: 52, bottom: 52 },
      xAxis: {
        ...(categoryAxis(
          model.rounds.map((r) => r.label),
          'round',
        ) as object),
        splitArea: { show: false },
      },
      yAxis: {
        type: 'category',
        data: Array.from({ length: 11 }, (_, i) => String(i)),
        name: 'difficulty',
        nameLocation: 'middle',
        nameGap: 36,
        axisLabel: { color: ink },
      },
      visualMap: {
        min: 0,
        max,
        calculable: false,
        orient: 'vertical',
        right: 12,
        top: 'middle',
        itemHeight: 140,
        inRange: { color: colors.heat },
        textStyle: { color: muted, fontFamily: font },
      },
      series: [
        {
          type: 'heatmap',
          name: 'valid plays',
          data: cells,
          label: {
            show: true,
            color: ink,
            fontSize: 11,
            formatter: (p: { value: unknown }) =>
              Array.isArray(p.value) && p.value[2] !== 0 ? String(p.value[2]) : '',
          },
          itemStyle: { borderColor: '#ffffff', borderWidth: 2 },
        },
      ],
    } as EChartsOption,
    hover: [
      cells.map(
        ([x, difficulty, count]) =>
          `round ${model.rounds[x]?.label ?? '?'} · difficulty ${difficulty}: ${count} valid play(s)`,
      ),
    ],
  };
}

function difficultyTarget(model: ReportModel): ChartSpec {
  return {
    id: 'difficulty-vs-target',
    title: 'Mean difficulty against the target',
    caption: 'Mean difficulty of the valid plays per round, and the target difficulty the generator was asked for.',
    width,
    height,
    option: {
      ...frame('Mean difficulty against the target', ['mean difficulty', 'target']),
      xAxis: categoryAxis(
        model.rounds.map((r) => r.label),
        'round',
      ),
      yAxis: valueAxis('difficulty', { min: 0, max: 10 }),
      series: [
        line(
          'mean difficulty',
          model.rounds.map((r) => r.meanDifficulty),
          colors.generator,
        ),
        line(
          'target',
          model.rounds.map((r) => r.targetDifficulty),
          colors.target,
          { symbol: 'rect', symbolSize: 6, lineStyle: { width: 2, color: colors.target, type: 'dashed' } },
        ),
      ],
    } as EChartsOption,
    hover: [
      model.rounds.map(
        (r) => `round ${r.label} · mean difficulty ${fixed(r.meanDifficulty)} over ${r.valid} valid play(s)`,
      ),
      model.rounds.map((r) => `round ${r.label} · target ${fixed(r.targetDifficulty, 1)}`),
    ],
  };
}

function accuracyChart(model: ReportModel): ChartSpec {
  return {
    id: 'evaluator-accuracy',
    title: 'Evaluator accuracy',
    caption: "Share of the evaluator's attempts on valid plays that found a diverging input, per round.",
    width,
    height,
    option: {
      ...frame('Evaluator accuracy', null),
      xAxis: categoryAxis(
        model.rounds.map((r) => r.label),
        'round',
      ),
      yAxis: valueAxis('attempts that found a divergence (%)', { min: 0, max: 100 }),
      series: [
        line(
          'evaluator accuracy',
          model.rounds.map((r) => (r.evaluatorAccuracy === null ? null : r.evaluatorAccuracy * 100)),
          colors.evaluator,
          { areaStyle: { color: colors.evaluator, opacity: 0.08 } },
        ),
      ],
    } as EChartsOption,
    hover: [model.rounds.map((r) => `round ${r.label} · evaluator accuracy ${percent(r.evaluatorAccuracy, 1)}`)],
  };
}

function rewardsChart(model: ReportModel): ChartSpec {
  return {
    id: 'rewards',
    title: "Both players' rewards",
    caption: 'Mean reward per episode of the generator and of the evaluator, per round.',
    width,
    height,
    option: {
      ...frame("Both players' rewards", ['generator', 'evaluator']),
      xAxis: categoryAxis(
        model.rounds.map((r) => r.label),
        'round',
      ),
      yAxis: valueAxis('mean reward', { scale: true }),
      series: [
        line(
          'generator',
          model.rounds.map((r) => r.meanGeneratorReward),
          colors.generator,
        ),
        line(
          'evaluator',
          model.rounds.map((r) => r.meanEvaluatorReward),
          colors.evaluator,
        ),
      ],
    } as EChartsOption,
    hover: [
      model.rounds.map((r) => `round ${r.label} · generator reward ${fixed(r.meanGeneratorReward, 3)}`),
      model.rounds.map((r) => `round ${r.label} · evaluator reward ${fixed(r.meanEvaluatorReward, 3)}`),
    ],
  };
}

function phasesChart(model: ReportModel): ChartSpec {
  const seconds = (ms: number | null): number => (ms === null ? 0 : ms / 1000);
  return {
    id: 'episode-phases',
    title: 'Time per episode step',
    caption: 'Mean seconds an episode spent in each step, per round; "waiting and retries" is the rest of the episode.',
    width,
    height,
    option: {
      ...frame(
        'Time per episode step',
        phaseKeys.map((phase) => phaseLabels[phase]),
      ),
      xAxis: categoryAxis(
        model.rounds.map((r) => r.label),
        'round',
      ),
      yAxis: valueAxis('seconds per episode'),
      series: phaseKeys.map((phase, i) => ({
        type: 'bar',
        name: phaseLabels[phase],
        stack: 'time',
        barMaxWidth: 56,
        itemStyle: { color: colors.phases[i % colors.phases.length] },
        data: model.rounds.map((r) => Number(seconds(r.phaseMeanMs[phase]).toFixed(3))),
      })),
    } as EChartsOption,
    hover: phaseKeys.map((phase) =>
      model.rounds.map((r) => `round ${r.label} · ${phaseLabels[phase]}: ${fixed(seconds(r.phaseMeanMs[phase]), 2)} s`),
    ),
  };
}

function crossplayChart(crossplay: NonNullable<ReportModel['crossplay']>): ChartSpec {
  const gi = new Map(crossplay.generatorRounds.map((r, i) => [r, i]));
  const ei = new Map(crossplay.evaluatorRounds.map((r, i) => [r, i]));
  const cells = crossplay.cells.map((c) => [
    ei.get(c.evaluatorRound) ?? 0,
    gi.get(c.generatorRound) ?? 0,
    c.meanDifficulty === null ? '-' : Number(c.meanDifficulty.toFixed(2)),
  ]);
  return {
    id: 'crossplay',
    title: 'Cross-play: generator of round i against evaluator of round j',
    caption:
      'Mean difficulty of the plays of each round’s generator against each round’s evaluator; the label adds the kill rate.',
    width,
    height: 420,
    option: {
      ...frame('Cross-play (mean difficulty)', null),
      grid: { left: 72, right: 96, top: 52, bottom: 52 },
      xAxis: categoryAxis(
        crossplay.evaluatorRounds.map((r) => String(r + 1)),
        'evaluator of round',
      ),
      yAxis: {
        type: 'category',
        data: crossplay.generatorRounds.map((r) => String(r + 1)),
        name: 'generator of round',
        nameLocation: 'middle',
        nameGap: 40,
        axisLabel: { color: ink },
      },
      visualMap: {
        min: 0,
        max: 10,
        orient: 'vertical',
        right: 12,
        top: 'middle',
        itemHeight: 140,
        inRange: { color: colors.heat },
        textStyle: { color: muted, fontFamily: font },
      },
      series: [
        {
          type: 'heatmap',
          name: 'cross-play',
          data: cells,
          label: {
            show: true,
            color: ink,
            fontSize: 11,
            formatter: (p: { dataIndex: number }) => {
              const c = crossplay.cells[p.dataIndex];
              return c ? `${fixed(c.meanDifficulty, 1)}\n${percent(c.killRate)}` : '';
            },
          },
          itemStyle: { borderColor: '#ffffff', borderWidth: 2 },
        },
      ],
    } as EChartsOption,
    hover: [
      crossplay.cells.map(
        (c) =>
          `generator r${c.generatorRound + 1} vs evaluator r${c.evaluatorRound + 1} · mean difficulty ${fixed(c.meanDifficulty)} · kill rate ${percent(c.killRate, 1)} · ${c.pairs} pair(s)`,
      ),
    ],
  };
}

function evalChart(series: NonNullable<ReportModel['eval']>): ChartSpec {
  const rounds = [...new Set(series.flatMap((s) => s.points.map((p) => p.round ?? -1)))].sort((a, b) => a - b);
  const labels = rounds.map((r) => trainedLabel(r < 0 ? null : r));
  const value = (s: (typeof series)[number], round: number): number | null => {
    const point = s.points.find((p) => (p.round ?? -1) === round);
    return point?.accuracy === null || point === undefined ? null : point.accuracy * 100;
  };
  return {
    id: 'eval',
    title: 'sinq eval per model version',
    caption:
      'Accuracy of each model version on each benchmark of `sinq eval` (base model, then the model trained after each round).',
    width,
    height,
    option: {
      ...frame(
        'sinq eval per model version',
        series.map((s) => s.benchmark),
      ),
      xAxis: categoryAxis(labels, 'model version'),
      yAxis: valueAxis('accuracy (%)', { min: 0, max: 100 }),
      series: series.map((s, i) =>
        line(
          s.benchmark,
          rounds.map((r) => value(s, r)),
          colors.lines[i % colors.lines.length]!,
        ),
      ),
    } as EChartsOption,
    hover: series.map((s) =>
      rounds.map((r) => {
        const p = s.points.find((point) => (point.round ?? -1) === r);
        return p
          ? `${s.benchmark} · ${p.model} (${trainedLabel(p.round)}): ${percent(p.accuracy, 1)} of ${p.items} item(s)`
          : '';
      }),
    ),
  };
}

/** Every plot of the report, in page order; cross-play and eval only where the store has them. */
export function chartSpecs(model: ReportModel): ChartSpec[] {
  const specs = [
    outcomesChart(model),
    difficultyHeatmap(model),
    difficultyTarget(model),
    accuracyChart(model),
    rewardsChart(model),
    phasesChart(model),
  ];
  if (model.crossplay) specs.push(crossplayChart(model.crossplay));
  if (model.eval) specs.push(evalChart(model.eval));
  return specs;
}
