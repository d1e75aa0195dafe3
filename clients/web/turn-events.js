// A turn's server-sent events, read with fetch (so the bearer token can be sent): live steps,
// the answer as the model writes it, and the finished answer.
import { headers } from './api.js';
import { renderAnswer, renderSteps } from './conversation-view.js';
import { renderMarkdown } from './markdown.js';

export async function streamTurn(turnId, answerElement, signal) {
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
