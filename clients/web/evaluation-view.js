// The latest evaluation run: its metrics against the previous run's, and the comparison chart.
import { api } from './api.js';
import { element, elements } from './page-elements.js';

function formatScore(value) {
  return value === null || value === undefined ? '–' : Number(value).toFixed(3);
}

export async function showEvaluation() {
  elements.evaluationPanel.hidden = false;
  elements.evaluationTable.replaceChildren();
  elements.evaluationChart.hidden = true;
  let body;
  try {
    body = await api('/api/evaluations/latest');
  } catch (error) {
    elements.evaluationSummary.textContent = `${error.message}. Start one with: second-brain run evaluate --wait`;
    return;
  }
  const { report, chartSvg } = body;
  elements.evaluationSummary.textContent = `${report.runId}: ${report.answered}/${report.questions} answered on ${report.datasetName}@${report.datasetVersion}, judge ${report.judge}${report.previousRunId ? `, vs ${report.previousRunId}` : ', no previous run'}`;
  const head = element('tr');
  for (const title of ['Metric', 'Previous', 'Current', 'Change'])
    head.append(element('th', '', title));
  const rows = report.comparison.map((row) => {
    const line = element('tr', row.verdict ?? '');
    line.dataset.metric = row.metric;
    line.append(
      element('td', '', row.label),
      element('td', '', formatScore(row.previous)),
      element('td', '', formatScore(row.current)),
      element(
        'td',
        '',
        row.delta === null ? '–' : `${row.delta > 0 ? '+' : ''}${row.delta.toFixed(3)}`,
      ),
    );
    return line;
  });
  elements.evaluationTable.replaceChildren(head, ...rows);
  // The chart is an image (a data: URL): SVG shown this way can never run a script.
  const bytes = new TextEncoder().encode(chartSvg);
  elements.evaluationChart.src = `data:image/svg+xml;base64,${btoa(String.fromCharCode(...bytes))}`;
  elements.evaluationChart.hidden = false;
}
