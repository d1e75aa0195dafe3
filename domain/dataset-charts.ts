// Histograms as hand-written SVG: the dataset card shows the content length and quality score
// distributions as pictures, without a plotting library. Pure functions of the values.
import {
  chartEnd,
  chartFrame,
  chartStart,
  escapeXml,
  formatAxisNumber,
  type ChartSize,
} from './svg.js';

export interface HistogramBin {
  /** Inclusive lower edge. */
  from: number;
  /** Exclusive upper edge (inclusive for the last bin). */
  to: number;
  count: number;
}

/** Equal-width bins over [min, max]; a single value or an empty list still gives bins. */
export function histogramBins(
  values: readonly number[],
  options: { bins: number; min?: number; max?: number },
): HistogramBin[] {
  const finite = values.filter((value) => Number.isFinite(value));
  const min = options.min ?? (finite.length > 0 ? Math.min(...finite) : 0);
  let max = options.max ?? (finite.length > 0 ? Math.max(...finite) : 1);
  if (max <= min) max = min + 1;
  const width = (max - min) / options.bins;
  const bins: HistogramBin[] = Array.from({ length: options.bins }, (_, index) => ({
    from: min + index * width,
    to: index === options.bins - 1 ? max : min + (index + 1) * width,
    count: 0,
  }));
  for (const value of finite) {
    if (value < min || value > max) continue;
    // The epsilon keeps a value on an edge (0.3 with width 0.1) out of the bin below it.
    const index = Math.min(options.bins - 1, Math.floor((value - min) / width + 1e-9));
    bins[index]!.count++;
  }
  return bins;
}

/**
 * A bar chart of histogram bins: one bar per bin with its count above it, the lower edges
 * along the x axis, a title and an axis label. Output is deterministic (no ids, no dates).
 */
export function histogramSvg(
  options: ChartSize & {
    title: string;
    xLabel: string;
    bins: readonly HistogramBin[];
  },
): string {
  const frame = chartFrame(options, 48);
  const { margin, plotWidth, plotHeight } = frame;
  const maxCount = Math.max(1, ...options.bins.map((bin) => bin.count));
  const barWidth = plotWidth / Math.max(1, options.bins.length);
  const bars = options.bins.map((bin, index) => {
    const barHeight = (bin.count / maxCount) * plotHeight;
    const x = margin.left + index * barWidth;
    const y = margin.top + plotHeight - barHeight;
    return [
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barWidth - 2).toFixed(1)}" height="${barHeight.toFixed(1)}" fill="#4c78a8"><title>${escapeXml(`${formatAxisNumber(bin.from, 2)}–${formatAxisNumber(bin.to, 2)}: ${bin.count}`)}</title></rect>`,
      `<text x="${(x + barWidth / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="11">${bin.count}</text>`,
      `<text x="${x.toFixed(1)}" y="${(margin.top + plotHeight + 16).toFixed(1)}" text-anchor="middle" font-size="10">${escapeXml(formatAxisNumber(bin.from, 2))}</text>`,
    ].join('');
  });
  const last = options.bins.at(-1);
  const lastEdge =
    last === undefined
      ? ''
      : `<text x="${(margin.left + plotWidth).toFixed(1)}" y="${(margin.top + plotHeight + 16).toFixed(1)}" text-anchor="middle" font-size="10">${escapeXml(formatAxisNumber(last.to, 2))}</text>`;
  return [
    ...chartStart(frame, options.title),
    ...bars,
    lastEdge,
    ...chartEnd(frame, options.xLabel, 'count'),
  ].join('\n');
}
