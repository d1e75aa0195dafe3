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
