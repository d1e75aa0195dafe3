// The conversation as the page shows it: messages, a finished answer with its numbered sources,
// the steps panel and a source's text.
import { api } from './api.js';
import { escapeHtml, renderMarkdown, safeUrl } from './markdown.js';
import { elements } from './page-elements.js';

export function addMessage(kind, html) {
  const message = document.createElement('div');
  message.className = `message ${kind}`;
  message.innerHTML = html;
  elements.messages.append(message);
  message.scrollIntoView({ block: 'end' });
  return message;
}

export function renderAnswer(element, turn) {
  element.classList.remove('pending', 'streaming');
  element.dataset.turnId = turn.turnId;
  const sources = turn.sources.length
    ? `<ol class="sources">${turn.sources
        .map((source) => {
          const url = safeUrl(source.url);
          const title = escapeHtml(source.title || source.url);
          return `<li value="${Number(source.n)}"><a class="citation" href="#source-${Number(source.n)}" data-n="${Number(source.n)}">${title}</a>${url ? ` <small>${escapeHtml(url)}</small>` : ''}</li>`;
        })
        .join('')}</ol>`
    : '';
  // Quotes are the sources' own words: say why the model's answer is not shown instead.
  const kind =
    turn.answerKind === 'extractive'
      ? '<p class="answer-kind">Quoted from your sources: the model’s own answer could not be checked against them.</p>'
      : '';
  element.dataset.answerKind = turn.answerKind ?? '';
  element.innerHTML = `<div class="markdown answer">${renderMarkdown(turn.answer, { citations: true })}</div>${kind}${sources}<button class="trace-toggle secondary" type="button" aria-expanded="false">Trace</button><div class="trace" hidden></div>`;
}

export function renderSteps(steps) {
  elements.steps.replaceChildren(...steps.map(stepItem));
}

function stepItem(step) {
  const item = document.createElement('li');
  item.className = step.ok === false ? 'failed' : '';
  const tool = document.createElement('span');
  tool.className = 'tool';
  tool.textContent = step.name;
  const input = document.createElement('span');
  input.className = 'input';
  input.textContent = ` ${step.input ?? ''}`;
  const duration = document.createElement('span');
  duration.className = 'duration';
  duration.textContent = step.durationMs === undefined ? ' (running)' : ` ${step.durationMs} ms`;
  item.append(tool, input, duration);
  if (step.outcome) item.title = step.outcome;
  item.dataset.key = `${step.step}:${step.kind}:${step.name}`;
  return item;
}

export async function showSource(turnId, n) {
  const source = await api(`/api/turns/${encodeURIComponent(turnId)}/sources/${Number(n)}`);
  elements.sourcePanel.hidden = false;
  elements.sourceNumber.textContent = `[${source.n}]`;
  const url = safeUrl(source.url);
  elements.sourceLink.textContent = source.title || source.url;
  if (url) elements.sourceLink.href = url;
  else elements.sourceLink.removeAttribute('href');
  elements.sourceText.innerHTML = renderMarkdown(source.text);
}
