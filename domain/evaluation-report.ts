// The evaluation report: a run compared with the previous one, as a Markdown table and a
// grouped bar chart in hand-written SVG (like the dataset card's charts: no plotting library,
// deterministic output). The CLI prints the table, the web UI shows the chart.
import type { MetricComparison } from './evaluation.js';
import { escapeXml } from './svg.js';

export function formatScore(value: number | null): string {
  return value === null ? '–' : value.toFixed(3);
}

export function formatDelta(comparison: MetricComparison): string {
  if (comparison.delta === null) return '–';
  const sign = comparison.delta > 0 ? '+' : '';
  return `${sign}${comparison.delta.toFixed(3)}${comparison.verdict === 'same' ? '' : ` (${comparison.verdict})`}`;
}

/** Rows for a table: metric, previous, current, change. */
export function comparisonRows(comparisons: readonly MetricComparison[]): string[][] {
  return [
    ['Metric', 'Previous', 'Current', 'Change'],
    ...comparisons.map((comparison) => [
      comparison.label,
      formatScore(comparison.previous),
      formatScore(comparison.current),
      formatDelta(comparison),
    ]),
  ];
}

export function comparisonMarkdown(options: {
  runId: string;
  previousRunId: string | null;
  datasetName: string;
  datasetVersion: string;
  questions: number;
  judge: string;
  comparisons: readonly MetricComparison[];
}): string {
  const rows = comparisonRows(options.comparisons);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    `# Evaluation ${options.runId}`,
    '',
    `Dataset \`${options.datasetName}@${options.datasetVersion}\`, ${options.questions} question(s), judge ${options.judge}.`,
    options.previousRunId
      ? `Compared with the previous run \`${options.previousRunId}\`.`
      : 'No previous run to compare with.',
    '',
    line(rows[0]!),
    line(rows[0]!.map(() => '---')),
    ...rows.slice(1).map(line),
    '',
    'Hallucination and moderation: lower is better. Every other metric: higher is better.',
    '',
  ].join('\n');
}

/** Grouped bars per metric (previous in grey, current in blue) on a 0-1 scale. */
export function comparisonChartSvg(
  comparisons: readonly MetricComparison[],
  options: { title?: string; width?: number; height?: number } = {},
): string {
  const width = options.width ?? 720;
  const height = options.height ?? 340;
  const margin = { top: 60, right: 20, bottom: 92, left: 44 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const group = plotWidth / Math.max(1, comparisons.length);
  const bar = Math.max(4, (group - 12) / 2);
  const y = (value: number) => margin.top + plotHeight - value * plotHeight;
  const parts: string[] = [];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${margin.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end" font-size="10">${tick}</text>`,
    );
  }
  comparisons.forEach((comparison, index) => {
    const left = margin.left + index * group + 6;
    const bars: [number | null, string, string][] = [
      [comparison.previous, '#b0b0b0', 'previous'],
      [comparison.current, '#4c78a8', 'current'],
    ];
    bars.forEach(([value, color, which], offset) => {
      if (value === null) return;
      // A zero still shows as a sliver, so "0" and "not computed" look different.
      const top = Math.min(y(value), margin.top + plotHeight - 1);
      const x = left + offset * bar;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(bar - 1).toFixed(1)}" height="${(margin.top + plotHeight - top).toFixed(1)}" fill="${color}"><title>${escapeXml(`${comparison.label} (${which}): ${value.toFixed(3)}`)}</title></rect>`,
      );
    });
    const labelX = left + bar;
    const labelY = margin.top + plotHeight + 12;
    parts.push(
      `<text x="${labelX.toFixed(1)}" y="${labelY}" font-size="10" text-anchor="end" transform="rotate(-35 ${labelX.toFixed(1)} ${labelY})">${escapeXml(comparison.label)}</text>`,
    );
  });
  const legendY = 42;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title ?? 'Evaluation: current run vs previous run')}</text>`,
    `<rect x="${margin.left}" y="${legendY - 9}" width="10" height="10" fill="#b0b0b0"/><text x="${margin.left + 14}" y="${legendY}" font-size="11">previous</text>`,
    `<rect x="${margin.left + 80}" y="${legendY - 9}" width="10" height="10" fill="#4c78a8"/><text x="${margin.left + 94}" y="${legendY}" font-size="11">current</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
