// The Hugging Face adapters run the real @huggingface/inference InferenceClient against a
// loopback server speaking a TGI/TEI Inference Endpoint's wire format (endpointUrl): success,
// structured output and its one corrective retry, tool calls, 429 with Retry-After, 500, 401.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { SecondBrainError } from '../../domain/errors.js';
import { createHuggingFaceEmbeddingModel } from '../../integrations/embeddings/huggingface-embedding-model.js';
import { createHuggingFaceChatModel } from '../../integrations/llm/huggingface-chat-model.js';
import {
  HUGGINGFACE_EMULATOR_TOKEN,
  createHuggingFaceEmulator,
  huggingFaceChatReply,
  huggingFaceError,
} from '../emulators/huggingface-emulator.js';

const summarySchema = z.object({ summary: z.string(), topics: z.array(z.string()) });
const MODEL = 'my-org/notion-summarizer';

function expectFailure(kind: SecondBrainError['kind'], retryable: boolean) {
  return (error: unknown) => {
    assert.ok(error instanceof SecondBrainError, String(error));
    assert.equal(error.kind, kind);
    assert.equal(error.retryable, retryable);
    assert.match(error.message, new RegExp(`huggingface model ${MODEL}`));
    assert.doesNotMatch(error.message, new RegExp(HUGGINGFACE_EMULATOR_TOKEN));
    return true;
  };
}

describe('Hugging Face chat model against an emulated Inference Endpoint', () => {
  const emulator = createHuggingFaceEmulator();
  let model: ReturnType<typeof createHuggingFaceChatModel>;
  before(async () => {
    await emulator.start();
    model = createHuggingFaceChatModel({
      model: MODEL,
      accessToken: HUGGINGFACE_EMULATOR_TOKEN,
      endpointUrl: emulator.url,
      contextSize: 4096,
      timeoutMs: 5000,
    });
  });
  after(() => emulator.stop());

  it('chats through endpointUrl', async () => {
    const response = await model.chat({
      messages: [{ role: 'user', content: 'Say hello' }],
      maxTokens: 20,
    });
    assert.equal(response.text, 'Hello from the Hugging Face emulator.');
    assert.equal(response.provider, 'huggingface');
    assert.equal(response.model, MODEL);
    assert.deepEqual(response.usage, { promptTokens: 18, completionTokens: 10 });
    const request = emulator.requests.at(-1)!;
    assert.equal(request.path, '/v1/chat/completions');
    assert.equal((request.body as { max_tokens: number }).max_tokens, 20);
  });

  it('validates structured output and retries an invalid reply once', async () => {
    const before = emulator.requests.length;
    emulator.enqueue(
      'chat',
      huggingFaceChatReply({ content: '{"summary": "Notes on Temporal"}' }),
      huggingFaceChatReply({ content: '{"summary":"Notes on Temporal","topics":["workflows"]}' }),
    );
    const response = await model.chat({
      messages: [{ role: 'user', content: 'Summarize' }],
      responseSchema: summarySchema,
    });
    assert.deepEqual(response.output, { summary: 'Notes on Temporal', topics: ['workflows'] });
    assert.equal(emulator.requests.length - before, 2);
    const first = emulator.requests.at(-2)!.body as { response_format: { type: string } };
    assert.equal(first.response_format.type, 'json_schema');
    const retry = emulator.requests.at(-1)!.body as { messages: { content: string }[] };
    assert.match(retry.messages.at(-1)!.content, /Your reply was invalid: topics/);
  });

  it('fails with a typed error after two invalid replies', async () => {
    emulator.enqueue(
      'chat',
      huggingFaceChatReply({ content: '{oops' }),
      huggingFaceChatReply({ content: '{oops again' }),
    );
    await assert.rejects(
      model.chat({
        messages: [{ role: 'user', content: 'Summarize' }],
        responseSchema: summarySchema,
      }),
      (error: unknown) => {
        assert.ok(error instanceof SecondBrainError);
        assert.equal(error.kind, 'invalidModelOutput');
        return true;
      },
    );
  });

  it('returns tool calls (TGI sends arguments as an object)', async () => {
    emulator.enqueue(
      'chat',
      huggingFaceChatReply({ toolCalls: [{ name: 'search_notes', arguments: { query: 'rag' } }] }),
    );
    const response = await model.chat({
      messages: [{ role: 'user', content: 'Find my RAG notes' }],
      tools: [
        {
          name: 'search_notes',
          description: 'Search notes',
          parameters: z.object({ query: z.string() }),
        },
      ],
    });
    assert.deepEqual(
      response.toolCalls.map((call) => [call.name, call.arguments]),
      [['search_notes', { query: 'rag' }]],
    );
  });

  it('maps 429 with Retry-After to a rate-limited failure carrying the delay', async () => {
    const before = emulator.requests.length;
    emulator.enqueue(
      'chat',
      huggingFaceError(429, 'Model is overloaded', 'overloaded', { 'retry-after': '12' }),
    );
    await assert.rejects(
      model.chat({ messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => {
        expectFailure('rateLimited', true)(error);
        assert.equal((error as SecondBrainError).retryAfterMs, 12_000);
        return true;
      },
    );
    assert.equal(emulator.requests.length - before, 1);
  });

  it('maps 500 to a transient failure', async () => {
    emulator.enqueue(
      'chat',
      huggingFaceError(
        500,
        'Request failed during generation: Server error: CUDA out of memory',
        'generation',
      ),
    );
    await assert.rejects(
      model.chat({ messages: [{ role: 'user', content: 'hi' }] }),
      expectFailure('transient', true),
    );
  });

  it('maps 503 to a transient failure without the SDK retrying it', async () => {
    const before = emulator.requests.length;
    emulator.enqueue('chat', huggingFaceError(503, 'Service Unavailable', 'unavailable'));
    await assert.rejects(
      model.chat({ messages: [{ role: 'user', content: 'hi' }] }),
      expectFailure('transient', true),
    );
    assert.equal(emulator.requests.length - before, 1);
  });

  it('maps a bad token (401) to a non-retryable auth failure', async () => {
    const intruder = createHuggingFaceChatModel({
      model: MODEL,
      accessToken: 'hf_wrong',
      endpointUrl: emulator.url,
      contextSize: 4096,
      timeoutMs: 5000,
    });
    await assert.rejects(
      intruder.chat({ messages: [{ role: 'user', content: 'hi' }] }),
      expectFailure('auth', false),
    );
  });

  it('maps an input longer than the endpoint allows to a permanent failure', async () => {
    emulator.enqueue(
      'chat',
      huggingFaceError(
        422,
        'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 500 `max_new_tokens`',
        'validation',
      ),
    );
    await assert.rejects(
      model.chat({ messages: [{ role: 'user', content: 'hi' }] }),
      expectFailure('permanent', false),
    );
  });
});

describe('Hugging Face embedding model against an emulated feature-extraction endpoint', () => {
  const emulator = createHuggingFaceEmulator({ dimensions: 384 });
  before(() => emulator.start());
  after(() => emulator.stop());

  it('embeds a batch through featureExtraction', async () => {
    const model = createHuggingFaceEmbeddingModel({
      model: 'sentence-transformers/all-MiniLM-L6-v2',
      accessToken: HUGGINGFACE_EMULATOR_TOKEN,
      endpointUrl: emulator.url,
      timeoutMs: 5000,
    });
    const vectors = await model.embed(['alpha', 'beta', 'gamma']);
    assert.equal(vectors.length, 3);
    assert.ok(vectors.every((vector) => vector.length === 384));
    assert.deepEqual((emulator.requests.at(-1)!.body as { inputs: string[] }).inputs, [
      'alpha',
      'beta',
      'gamma',
    ]);
  });

  it('maps 429 on feature extraction to a rate-limited failure', async () => {
    const model = createHuggingFaceEmbeddingModel({
      model: 'sentence-transformers/all-MiniLM-L6-v2',
      accessToken: HUGGINGFACE_EMULATOR_TOKEN,
      endpointUrl: emulator.url,
      timeoutMs: 5000,
    });
    emulator.enqueue(
      'features',
      huggingFaceError(429, 'Rate limit reached', 'overloaded', { 'retry-after': '2' }),
    );
    await assert.rejects(model.embed(['x']), (error: unknown) => {
      assert.ok(error instanceof SecondBrainError);
      assert.equal(error.kind, 'rateLimited');
      assert.equal(error.retryAfterMs, 2000);
      return true;
    });
  });
});
