// The chat UI: vanilla JS ES modules, no build step. Answers stream in from the turn's
// server-sent events (turn-events.js), and the update's reply is the final word.
import { api, randomId } from './api.js';
import { addMessage, renderAnswer, renderSteps, showSource } from './conversation-view.js';
import { showEvaluation } from './evaluation-view.js';
import { escapeHtml, renderMarkdown } from './markdown.js';
import { elements } from './page-elements.js';
import { toggleTrace } from './trace-view.js';
import { streamTurn } from './turn-events.js';

let conversationId;

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
