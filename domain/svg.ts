// Shared pieces of the hand-written SVG charts (dataset card, loss curve, evaluation report):
// no plotting library, so escaping and number labels live here once.

/** Text safe inside SVG elements and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** An axis label: integers as is, large values rounded, others to `digits` without trailing zeros. */
export function formatAxisNumber(value: number, digits: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100
    ? String(Math.round(value))
    : value.toFixed(digits).replace(/\.?0+$/, '');
}

/** The plot area of a chart: the whole image less its margins. */
export interface ChartFrame {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
  plotWidth: number;
  plotHeight: number;
}

/** How big a chart is drawn unless its caller says otherwise. */
export interface ChartSize {
  width?: number;
  height?: number;
}

/**
 * The frame of a dataset-card or loss chart: 640×320 by default, room for the title above and
 * the axis labels below; `leftMargin` fits the widest y label.
 */
export function chartFrame(size: ChartSize, leftMargin: number): ChartFrame {
  const width = size.width ?? 640;
  const height = size.height ?? 320;
  const margin = { top: 40, right: 20, bottom: 56, left: leftMargin };
  return {
    width,
    height,
    margin,
    plotWidth: width - margin.left - margin.right,
    plotHeight: height - margin.top - margin.bottom,
  };
}

/** The opening of a chart (dataset card, loss curve): the image, its title and both axes. */
export function chartStart(
  { width, height, margin, plotWidth, plotHeight }: ChartFrame,
  title: string,
): string[] {
  const bottom = margin.top + plotHeight;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16">${escapeXml(title)}</text>`,
    `<line x1="${margin.left}" y1="${bottom}" x2="${margin.left + plotWidth}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${bottom}" stroke="#333"/>`,
  ];
}

/** The end of a chart: the axis titles under and beside the plot. */
export function chartEnd(
  { height, margin, plotWidth, plotHeight }: ChartFrame,
  xLabel: string,
  yLabel: string,
): string[] {
  const middle = margin.top + plotHeight / 2;
  return [
    `<text x="${margin.left + plotWidth / 2}" y="${height - 12}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`,
    `<text x="14" y="${middle}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${middle})">${escapeXml(yLabel)}</text>`,
    '</svg>',
    '',
  ];
}
