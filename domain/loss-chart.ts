// The loss curve of a training run as hand-written SVG, in the style of the dataset charts:
// the model card shows it and the registry keeps it beside the model. Deterministic output.
import type { TrainingMetric } from './training-log.js';
import {
  chartEnd,
  chartFrame,
  chartStart,
  escapeXml,
  formatAxisNumber,
  type ChartSize,
} from './svg.js';

/** A line chart of loss per step, with min/max ticks on both axes and a dot per logged step. */
export function lossCurveSvg(
  options: ChartSize & {
    title: string;
    metrics: readonly Pick<TrainingMetric, 'step' | 'loss'>[];
  },
): string {
  const frame = chartFrame(options, 56);
  const { margin, plotWidth, plotHeight } = frame;
  const points = [...options.metrics].sort((a, b) => a.step - b.step);
  const steps = points.map((point) => point.step);
  const losses = points.map((point) => point.loss);
  const minStep = steps.length > 0 ? Math.min(...steps) : 0;
  let maxStep = steps.length > 0 ? Math.max(...steps) : 1;
  if (maxStep <= minStep) maxStep = minStep + 1;
  const minLoss = losses.length > 0 ? Math.min(0, ...losses) : 0;
  let maxLoss = losses.length > 0 ? Math.max(...losses) : 1;
  if (maxLoss <= minLoss) maxLoss = minLoss + 1;
  const x = (step: number) => margin.left + ((step - minStep) / (maxStep - minStep)) * plotWidth;
  const y = (loss: number) =>
    margin.top + plotHeight - ((loss - minLoss) / (maxLoss - minLoss)) * plotHeight;
  const path = points
    .map(
      (point, index) =>
        `${index === 0 ? 'M' : 'L'}${x(point.step).toFixed(1)},${y(point.loss).toFixed(1)}`,
    )
    .join(' ');
  const dots = points.map(
    (point) =>
      `<circle cx="${x(point.step).toFixed(1)}" cy="${y(point.loss).toFixed(1)}" r="2" fill="#4c78a8"><title>${escapeXml(`step ${point.step}: ${formatAxisNumber(point.loss, 3)}`)}</title></circle>`,
  );
  const bottom = margin.top + plotHeight;
  return [
    ...chartStart(frame, options.title),
    points.length > 0 ? `<path d="${path}" fill="none" stroke="#4c78a8" stroke-width="2"/>` : '',
    ...dots,
    `<text x="${margin.left}" y="${bottom + 16}" text-anchor="middle" font-size="10">${formatAxisNumber(minStep, 3)}</text>`,
    `<text x="${margin.left + plotWidth}" y="${bottom + 16}" text-anchor="middle" font-size="10">${formatAxisNumber(maxStep, 3)}</text>`,
    `<text x="${margin.left - 6}" y="${bottom}" text-anchor="end" font-size="10">${formatAxisNumber(minLoss, 3)}</text>`,
    `<text x="${margin.left - 6}" y="${margin.top + 4}" text-anchor="end" font-size="10">${formatAxisNumber(maxLoss, 3)}</text>`,
    ...chartEnd(frame, 'step', 'training loss'),
  ].join('\n');
}
