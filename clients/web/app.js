// The chat UI: vanilla JS, no build step. Answers stream in from the turn's server-sent events
// (read with fetch, so the bearer token can be sent), and the update's reply is the final word.
import { escapeHtml, renderMarkdown, safeUrl } from './markdown.js';

const elements = {
  conversations: document.getElementById('conversations'),
  messages: document.getElementById('messages'),
  form: document.getElementById('ask-form'),
  question: document.getElementById('question'),
  askButton: document.getElementById('ask-button'),
  newConversation: document.getElementById('new-conversation'),
  steps: document.getElementById('steps'),
  sourcePanel: document.getElementById('source-panel'),
  sourceNumber: document.getElementById('source-number'),
  sourceLink: document.getElementById('source-link'),
  sourceText: document.getElementById('source-text'),
  showEvaluation: document.getElementById('show-evaluation'),
  evaluationPanel: document.getElementById('evaluation-panel'),
  evaluationSummary: document.getElementById('evaluation-summary'),
  evaluationTable: document.getElementById('evaluation-table'),
  evaluationChart: document.getElementById('evaluation-chart'),
};

let conversationId;

function randomId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function headers(extra = {}) {
  const token = sessionStorage.getItem('second-brain-token');
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers(options.headers) });
  if (response.status === 401) {
    const token = prompt('This server needs its API token:');
    if (token) {
      sessionStorage.setItem('second-brain-token', token);
      return api(path, options);
    }
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

async function loadConversations() {
  const { conversations } = await api('/api/conversations');
  elements.conversations.replaceChildren(
    ...conversations.map((conversation) => {
      const item = document.createElement('li');
      item.textContent = conversation.title;
      item.title = `${conversation.turnCount} turn(s)`;
      item.dataset.id = conversation.id;
      if (conversation.id === conversationId) item.classList.add('active');
      item.addEventListener('click', () => void openConversation(conversation.id));
      return item;
    }),
  );
}

function addMessage(kind, html) {
  const message = document.createElement('div');
  message.className = `message ${kind}`;
  message.innerHTML = html;
  elements.messages.append(message);
  message.scrollIntoView({ block: 'end' });
  return message;
}

function renderAnswer(element, turn) {
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

// The trace beside an answer: built with the DOM API only (textContent), since span inputs and
// outputs hold crawled text and model output.
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

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

async function toggleTrace(button) {
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

function formatScore(value) {
  return value === null || value === undefined ? '–' : Number(value).toFixed(3);
}

async function showEvaluation() {
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

function renderSteps(steps) {
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

async function showSource(turnId, n) {
  const source = await api(`/api/turns/${encodeURIComponent(turnId)}/sources/${Number(n)}`);
  elements.sourcePanel.hidden = false;
  elements.sourceNumber.textContent = `[${source.n}]`;
  const url = safeUrl(source.url);
  elements.sourceLink.textContent = source.title || source.url;
  if (url) elements.sourceLink.href = url;
  else elements.sourceLink.removeAttribute('href');
  elements.sourceText.innerHTML = renderMarkdown(source.text);
}

elements.messages.addEventListener('click', (event) => {
  const traceButton = event.target.closest('button.trace-toggle');
  if (traceButton) {
    void toggleTrace(traceButton);
    return;
  }
  const link = event.target.closest('a.citation');
  if (!link) return;
  event.preventDefault();
  const turnId = link.closest('.message')?.dataset.turnId;
  if (turnId) void showSource(turnId, link.dataset.n).catch((error) => alert(error.message));
});

async function streamTurn(turnId, answerElement, signal) {
  const response = await fetch(`/api/turns/${encodeURIComponent(turnId)}/events`, {
    headers: headers(),
    signal,
  });
  if (!response.ok || !response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let answer = '';
  const liveSteps = new Map();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let boundary;
    while ((boundary = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!type || data === undefined) continue;
      const payload = JSON.parse(data);
      if (type === 'step_started' || type === 'step') {
        const step = type === 'step' ? payload : { ...payload, name: payload.name ?? 'model' };
        liveSteps.set(`${step.step}:${step.kind}:${step.name}`, step);
        renderSteps([...liveSteps.values()]);
      } else if (type === 'answer_live' && answer === '') {
        // Tokens as the model writes them; the final answer (with sources) replaces them.
        answerElement.classList.add('streaming');
        answerElement.innerHTML = `<div class="markdown answer">${renderMarkdown(payload.text)}</div>`;
      } else if (type === 'answer_delta') {
        answerElement.classList.remove('streaming');
        answer += payload.text;
        answerElement.innerHTML = `<div class="markdown answer">${renderMarkdown(answer, { citations: true })}</div>`;
      } else if (type === 'done') {
        renderAnswer(answerElement, payload);
        return;
      } else if (type === 'error') {
        return;
      }
    }
  }
}

async function ask(question) {
  conversationId ??= `conversation-${randomId()}`;
  const turnId = randomId();
  addMessage('user', `<div class="markdown">${renderMarkdown(question)}</div>`);
  const answerElement = addMessage('assistant pending', '');
  answerElement.dataset.turnId = turnId;
  elements.steps.replaceChildren();
  const streaming = new AbortController();
  const stream = streamTurn(turnId, answerElement, streaming.signal).catch(() => undefined);
  try {
    const turn = await api('/api/ask', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question, conversationId, turnId }),
    });
    renderAnswer(answerElement, turn);
    renderSteps(turn.steps);
  } catch (error) {
    // A real failure (the agent worker down, the database away): its reason, and a way to
    // ask again without retyping the question.
    answerElement.classList.remove('pending', 'streaming');
    answerElement.classList.add('error');
    const reason = document.createElement('p');
    reason.className = 'error-reason';
    reason.textContent = error.message;
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'retry';
    retry.textContent = 'Retry';
    retry.addEventListener('click', () => {
      answerElement.previousElementSibling?.remove();
      answerElement.remove();
      void ask(question);
    });
    answerElement.replaceChildren(reason, retry);
  } finally {
    streaming.abort();
    await stream;
    void loadConversations();
  }
}

async function openConversation(id) {
  const conversation = await api(`/api/conversations/${encodeURIComponent(id)}`);
  conversationId = conversation.id;
  elements.messages.replaceChildren();
  for (const turn of conversation.turns) {
    addMessage('user', `<div class="markdown">${renderMarkdown(turn.question)}</div>`);
    renderAnswer(addMessage('assistant', ''), turn);
  }
  renderSteps(conversation.turns.at(-1)?.steps ?? []);
  void loadConversations();
}

elements.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const question = elements.question.value.trim();
  if (!question) return;
  elements.question.value = '';
  elements.askButton.disabled = true;
  void ask(question).finally(() => {
    elements.askButton.disabled = false;
    elements.question.focus();
  });
});

elements.question.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    elements.form.requestSubmit();
  }
});

elements.newConversation.addEventListener('click', () => {
  conversationId = undefined;
  elements.messages.replaceChildren();
  elements.steps.replaceChildren();
  elements.sourcePanel.hidden = true;
  void loadConversations();
});

elements.showEvaluation.addEventListener('click', () => void showEvaluation());

void loadConversations().catch((error) => addMessage('error', escapeHtml(error.message)));
