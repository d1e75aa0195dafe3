// The trace beside an answer: built with the DOM API only (textContent), since span inputs and
// outputs hold crawled text and model output.
import { api } from './api.js';
import { element } from './page-elements.js';

function spanDetails(span) {
  const facts = [`${span.durationMs} ms`];
  if (span.model) facts.push(span.model);
  if (span.usage) facts.push(`${span.usage.promptTokens}+${span.usage.completionTokens} tokens`);
  if (typeof span.costUsd === 'number') facts.push(`$${span.costUsd.toFixed(6)}`);
  if (span.cached) facts.push('cached');
  if (span.error) facts.push(`error: ${span.error}`);
  return facts.join(' · ');
}

function spanItem(span, depth) {
  const item = element('li', `span kind-${span.kind}${span.error ? ' failed' : ''}`);
  item.style.marginLeft = `${depth * 14}px`;
  item.dataset.kind = span.kind;
  const header = element('div', 'span-header');
  header.append(
    element('span', 'badge', span.kind),
    element('span', 'span-name', ` ${span.name} `),
  );
  header.append(element('span', 'span-facts', spanDetails(span)));
  item.append(header);
  if (span.kind === 'retrieval' && span.output?.results) {
    const results = element('ol', 'retrieval-results');
    for (const result of span.output.results) {
      results.append(
        element(
          'li',
          '',
          `${result.title || result.url || result.chunkId} — score ${Number(result.score).toFixed(3)}`,
        ),
      );
    }
    if (span.input?.query) item.append(element('div', 'span-query', `query: ${span.input.query}`));
    item.append(results);
  }
  if (span.kind === 'llm') {
    const details = element('details', 'span-io');
    details.append(element('summary', '', 'prompt and completion'));
    details.append(
      element('pre', '', JSON.stringify({ prompt: span.input, completion: span.output }, null, 2)),
    );
    item.append(details);
  }
  return item;
}

function renderTrace(container, trace) {
  const { summary } = trace;
  const cost = summary.costUsd === null ? 'cost unknown' : `$${summary.costUsd.toFixed(6)}`;
  const list = element('ol', 'spans');
  const children = new Map();
  for (const span of trace.spans) {
    const key = span.parentSpanId ?? 'root';
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const add = (span, depth) => {
    list.append(spanItem(span, depth));
    for (const child of children.get(span.spanId) ?? []) add(child, depth + 1);
  };
  for (const root of children.get('root') ?? []) add(root, 0);
  container.replaceChildren(
    element(
      'p',
      'trace-summary',
      `${summary.spans} spans · ${summary.llmCalls} LLM call(s) · ${summary.promptTokens}+${summary.completionTokens} tokens · ${cost} · ${summary.durationMs} ms`,
    ),
    list,
  );
}

export async function toggleTrace(button) {
  const message = button.closest('.message');
  const container = message?.querySelector('.trace');
  const turnId = message?.dataset.turnId;
  if (!container || !turnId) return;
  const open = button.getAttribute('aria-expanded') === 'true';
  button.setAttribute('aria-expanded', String(!open));
  container.hidden = open;
  if (open) return;
  container.replaceChildren(element('p', 'trace-summary', 'Loading the trace...'));
  try {
    renderTrace(container, await api(`/api/turns/${encodeURIComponent(turnId)}/trace`));
  } catch (error) {
    container.replaceChildren(element('p', 'trace-summary', error.message));
  }
}
