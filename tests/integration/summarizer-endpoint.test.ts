// The summarizer service: the fine-tuned model on a dedicated endpoint (OpenAI-compatible
// completions route, the training prompt, the HF token) when configured, else the chat model.
// Needs no database: run with --no-infra.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SecondBrainError } from '../../domain/errors.js';
import { createSummarizer, openAIBaseUrl } from '../../integrations/llm/summarizer.js';
import type { ScriptedHttpServer } from '../emulators/scripted-http-server.js';
import { createScriptedChatModel } from '../support/scripted-chat-model.js';
import { endpointSummary, startSummarizerEndpoint } from '../support/training-fixtures.js';

const TOKEN = 'hf_endpoint_token';

describe('summarizer service', () => {
  let endpoint: ScriptedHttpServer;
  const document = '# Temporal\n\nDurable execution {with braces}.';
  const reference = '## Temporal\n\n- Durable execution.\n- Retries.';

  before(async () => {
    endpoint = await startSummarizerEndpoint(new Map([[document, reference]]), TOKEN);
  });
  after(() => endpoint.stop());

  it('asks the dedicated endpoint with the training prompt when one is configured', async () => {
    const llm = createScriptedChatModel();
    const summarizer = createSummarizer({
      endpoint: { url: `${endpoint.url}/`, apiKey: TOKEN, model: 'tgi', timeoutMs: 5_000 },
      llm,
    });
    assert.equal(summarizer.name, 'endpoint/tgi');
    assert.equal(await summarizer.summarize(document), endpointSummary(reference).trim());
    const request = endpoint.requests.at(-1)!;
    assert.equal(request.path, '/v1/completions');
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
    const body = request.body as { prompt: string; temperature: number; model: string };
    assert.equal(body.model, 'tgi');
    assert.equal(body.temperature, 0);
    assert.match(
      body.prompt,
      /### Input:\n# Temporal\n\nDurable execution \{with braces\}\.\n\n### Response:\n$/,
    );
    assert.equal(llm.calls.length, 0, 'the chat model is not asked');
  });

  it('falls back to the configured chat model without an endpoint', async () => {
    const llm = createScriptedChatModel();
    const summarizer = createSummarizer({
      endpoint: { url: undefined, apiKey: TOKEN, model: 'tgi', timeoutMs: 5_000 },
      llm,
    });
    assert.equal(summarizer.name, 'scripted/scripted-agent-rules');
    await summarizer.summarize(document);
    assert.equal(llm.calls.length, 1);
  });

  it('maps a refused token to a non-retryable auth error', async () => {
    const summarizer = createSummarizer({
      endpoint: { url: endpoint.url, apiKey: 'hf_wrong', model: 'tgi', timeoutMs: 5_000 },
      llm: createScriptedChatModel(),
    });
    await assert.rejects(summarizer.summarize(document), (error: unknown) => {
      assert.ok(error instanceof SecondBrainError);
      assert.equal(error.kind, 'auth');
      return true;
    });
  });

  it('appends /v1 once', () => {
    assert.equal(
      openAIBaseUrl('https://x.endpoints.huggingface.cloud'),
      'https://x.endpoints.huggingface.cloud/v1',
    );
    assert.equal(
      openAIBaseUrl('https://x.endpoints.huggingface.cloud/v1/'),
      'https://x.endpoints.huggingface.cloud/v1',
    );
  });
});
