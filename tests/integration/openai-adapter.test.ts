// The OpenAI adapters run the real `openai` SDK against a loopback server speaking OpenAI's wire
// format: success, structured output (and its one corrective retry), tool calls, 429 with
// Retry-After, 500, 401 and context-too-long, plus embeddings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import type { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../activities/to-application-failure.js';
import { SecondBrainError } from '../../domain/errors.js';
import { createOpenAIEmbeddingModel } from '../../integrations/embeddings/openai-embedding-model.js';
import { createOpenAIChatModel } from '../../integrations/llm/openai-chat-model.js';
import {
  OPENAI_CONTEXT_TOO_LONG,
  OPENAI_EMULATOR_KEY,
  OPENAI_RATE_LIMITED,
  OPENAI_SERVER_ERROR,
  createOpenAIEmulator,
  openAIChatReply,
} from '../emulators/openai-emulator.js';

const noteSchema = z.object({ title: z.string(), score: z.number().int().min(0).max(10) });

function isModelError(kind: SecondBrainError['kind'], retryable: boolean) {
  return (error: unknown) => {
    assert.ok(error instanceof SecondBrainError, String(error));
    assert.equal(error.kind, kind);
    assert.equal(error.retryable, retryable);
    assert.match(error.message, /openai model gpt-4o-mini/);
    assert.doesNotMatch(error.message, new RegExp(OPENAI_EMULATOR_KEY));
    return true;
  };
}

describe('OpenAI chat model against the wire-format emulator', () => {
  const emulator = createOpenAIEmulator();
  let model: ReturnType<typeof createOpenAIChatModel>;
  before(async () => {
    await emulator.start();
    model = createOpenAIChatModel({
      model: 'gpt-4o-mini',
      apiKey: OPENAI_EMULATOR_KEY,
      baseUrl: `${emulator.url}/v1`,
      contextSize: 4096,
      timeoutMs: 5000,
    });
  });
  after(() => emulator.stop());

  it('chats, reporting text, usage, provider and model', async () => {
    const response = await model.chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
      temperature: 0.2,
      maxTokens: 50,
    });
    assert.equal(response.text, 'Hello from the OpenAI emulator.');
    assert.equal(response.finishReason, 'stop');
    assert.deepEqual(response.usage, { promptTokens: 21, completionTokens: 9 });
    assert.equal(response.provider, 'openai');
    assert.equal(response.model, 'gpt-4o-mini');
    const sent = emulator.requests.at(-1)!.body as Record<string, unknown>;
    assert.equal(sent.model, 'gpt-4o-mini');
    assert.equal(sent.max_tokens, 50);
    assert.equal(sent.temperature, 0.2);
  });

  it('streams text pieces as they arrive and still returns the whole, validated reply', async () => {
    const content = '{"title":"Streaming keeps users waiting less","score":9}';
    emulator.enqueue('chat', openAIChatReply({ content }));
    const pieces: string[] = [];
    const response = await model.chat({
      messages: [{ role: 'user', content: 'Rate this note' }],
      responseSchema: noteSchema,
      responseSchemaName: 'note',
      onText: (piece) => pieces.push(piece),
    });
    assert.ok(pieces.length > 3, `streamed in ${pieces.length} pieces`);
    assert.equal(pieces.join(''), content);
    assert.deepEqual(response.output, { title: 'Streaming keeps users waiting less', score: 9 });
    assert.deepEqual(response.usage, { promptTokens: 21, completionTokens: 9 });
    const sent = emulator.requests.at(-1)!.body as Record<string, unknown>;
    assert.equal(sent.stream, true);
    assert.deepEqual(sent.stream_options, { include_usage: true });

    // Tool calls arrive in pieces too; the adapter reassembles them.
    emulator.enqueue(
      'chat',
      openAIChatReply({
        toolCalls: [{ name: 'search_knowledge_base', arguments: '{"query":"sourdough starter"}' }],
      }),
    );
    const called = await model.chat({
      messages: [{ role: 'user', content: 'Find my sourdough notes' }],
      tools: [
        {
          name: 'search_knowledge_base',
          description: 'Searches the notes.',
          parameters: z.object({ query: z.string() }),
        },
      ],
      onText: () => undefined,
    });
    assert.equal(called.finishReason, 'tool_calls');
    assert.deepEqual(
      called.toolCalls.map((call) => [call.name, call.arguments]),
      [['search_knowledge_base', { query: 'sourdough starter' }]],
    );
  });

  it('sends the zod schema as response_format json_schema and validates the reply', async () => {
    emulator.enqueue('chat', openAIChatReply({ content: '{"title":"Photosynthesis","score":8}' }));
    const response = await model.chat({
      messages: [{ role: 'user', content: 'Score this note' }],
      responseSchema: noteSchema,
      responseSchemaName: 'note_score',
    });
    assert.deepEqual(response.output, { title: 'Photosynthesis', score: 8 });
    const sent = emulator.requests.at(-1)!.body as {
      response_format: {
        type: string;
        json_schema: {
          name: string;
          strict: boolean;
          schema: { properties: object; additionalProperties: boolean };
        };
      };
    };
    assert.equal(sent.response_format.type, 'json_schema');
    // Every property is required, so the schema qualifies for strict structured outputs.
    assert.equal(sent.response_format.json_schema.strict, true);
    assert.equal(sent.response_format.json_schema.schema.additionalProperties, false);
    assert.equal(sent.response_format.json_schema.name, 'note_score');
    assert.deepEqual(Object.keys(sent.response_format.json_schema.schema.properties), [
      'title',
      'score',
    ]);
  });

  it('retries an invalid structured reply once, with the validation error in the prompt', async () => {
    const before = emulator.requests.length;
    emulator.enqueue(
      'chat',
      openAIChatReply({ content: '{"title": "Photosynthesis", "score": ' }),
      openAIChatReply({ content: '{"title":"Photosynthesis","score":7}' }),
    );
    const response = await model.chat({
      messages: [{ role: 'user', content: 'Score this note' }],
      responseSchema: noteSchema,
    });
    assert.deepEqual(response.output, { title: 'Photosynthesis', score: 7 });
    assert.equal(emulator.requests.length - before, 2);
    const retry = emulator.requests.at(-1)!.body as {
      messages: { role: string; content: string }[];
    };
    assert.match(
      retry.messages.at(-1)!.content,
      /Your reply was invalid: the reply is not valid JSON/,
    );
    assert.equal(retry.messages.at(-2)!.role, 'assistant');
  });

  it('raises a typed non-retryable failure when the retry is invalid too', async () => {
    const before = emulator.requests.length;
    emulator.enqueue(
      'chat',
      openAIChatReply({ content: '{"title":"x","score":99}' }),
      openAIChatReply({ content: 'not json at all' }),
    );
    await assert.rejects(
      model.chat({ messages: [{ role: 'user', content: 'Score' }], responseSchema: noteSchema }),
      (error: unknown) => {
        assert.ok(error instanceof SecondBrainError);
        assert.equal(error.kind, 'invalidModelOutput');
        assert.equal(error.retryable, false);
        assert.match(error.message, /openai model gpt-4o-mini returned invalid structured output/);
        const failure = toApplicationFailure(error) as ApplicationFailure;
        assert.equal(failure.type, 'InvalidModelOutputError');
        assert.equal(failure.nonRetryable, true);
        return true;
      },
    );
    assert.equal(emulator.requests.length - before, 2);
  });

  it('returns tool calls with parsed arguments', async () => {
    emulator.enqueue(
      'chat',
      openAIChatReply({ toolCalls: [{ name: 'search_notes', arguments: '{"query":"temporal"}' }] }),
    );
    const response = await model.chat({
      messages: [{ role: 'user', content: 'What do my notes say about Temporal?' }],
      tools: [
        {
          name: 'search_notes',
          description: 'Search the knowledge base',
          parameters: z.object({ query: z.string() }),
        },
      ],
    });
    assert.equal(response.finishReason, 'tool_calls');
    assert.equal(response.toolCalls[0]?.name, 'search_notes');
    assert.deepEqual(response.toolCalls[0]?.arguments, { query: 'temporal' });
    const sent = emulator.requests.at(-1)!.body as { tools: { function: { name: string } }[] };
    assert.equal(sent.tools[0]?.function.name, 'search_notes');
  });

  it('maps 429 to a retryable failure whose Retry-After becomes nextRetryDelay, without SDK retries', async () => {
    const before = emulator.requests.length;
    emulator.enqueue('chat', OPENAI_RATE_LIMITED(7));
    await assert.rejects(
      model.chat({ messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => {
        isModelError('rateLimited', true)(error);
        assert.equal((error as SecondBrainError).retryAfterMs, 7000);
        const failure = toApplicationFailure(error) as ApplicationFailure;
        assert.equal(failure.type, 'RateLimitedError');
        assert.equal(failure.nonRetryable, false);
        assert.equal(failure.nextRetryDelay, 7000);
        return true;
      },
    );
    assert.equal(emulator.requests.length - before, 1, 'the SDK must not retry on its own');
  });

  it('maps 500 to a retryable transient failure', async () => {
    emulator.enqueue('chat', OPENAI_SERVER_ERROR);
    await assert.rejects(
      model.chat({ messages: [{ role: 'user', content: 'hi' }] }),
      isModelError('transient', true),
    );
  });

  it('maps a timeout to a retryable transient failure', async () => {
    const impatient = createOpenAIChatModel({
      model: 'gpt-4o-mini',
      apiKey: OPENAI_EMULATOR_KEY,
      baseUrl: `${emulator.url}/v1`,
      contextSize: 4096,
      timeoutMs: 200,
    });
    emulator.enqueue('chat', { ...openAIChatReply({ content: 'late' }), delayMs: 2000 });
    await assert.rejects(
      impatient.chat({ messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => {
        isModelError('transient', true)(error);
        assert.match((error as Error).message, /timed out/);
        return true;
      },
    );
  });

  it('maps a context-length 400 to a non-retryable permanent failure', async () => {
    emulator.enqueue('chat', OPENAI_CONTEXT_TOO_LONG);
    await assert.rejects(
      model.chat({ messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => {
        isModelError('permanent', false)(error);
        assert.match((error as Error).message, /longer than the context window/);
        return true;
      },
    );
  });

  it('maps a wrong key (401) to a non-retryable auth failure that never shows the key', async () => {
    const intruder = createOpenAIChatModel({
      model: 'gpt-4o-mini',
      apiKey: 'sk-wrong-key',
      baseUrl: `${emulator.url}/v1`,
      contextSize: 4096,
      timeoutMs: 5000,
    });
    await assert.rejects(
      intruder.chat({ messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => {
        isModelError('auth', false)(error);
        assert.doesNotMatch((error as Error).message, /sk-wrong-key/);
        return true;
      },
    );
  });

  it('counts tokens with the model tokenizer (o200k_base for gpt-4o-mini)', () => {
    assert.equal(model.countTokens('hello world'), 2);
    assert.equal(model.contextWindow, 128_000);
  });
});

describe('OpenAI embedding model against the wire-format emulator', () => {
  const emulator = createOpenAIEmulator();
  before(() => emulator.start());
  after(() => emulator.stop());

  it('embeds a batch in order, as unit vectors of the requested size', async () => {
    const model = createOpenAIEmbeddingModel({
      model: 'text-embedding-3-small',
      apiKey: OPENAI_EMULATOR_KEY,
      baseUrl: `${emulator.url}/v1`,
      dimensions: 256,
      timeoutMs: 5000,
    });
    const vectors = await model.embed(['first', 'second']);
    assert.equal(model.dimensions, 256);
    assert.equal(vectors.length, 2);
    for (const vector of vectors) {
      assert.equal(vector.length, 256);
      assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5);
    }
    assert.notDeepEqual(vectors[0], vectors[1]);
    const sent = emulator.requests.at(-1)!.body as { dimensions: number; input: string[] };
    assert.equal(sent.dimensions, 256);
    assert.deepEqual(sent.input, ['first', 'second']);
  });

  it('maps 429 on embeddings to a rate-limited failure with its delay', async () => {
    const model = createOpenAIEmbeddingModel({
      model: 'text-embedding-3-small',
      apiKey: OPENAI_EMULATOR_KEY,
      baseUrl: `${emulator.url}/v1`,
      timeoutMs: 5000,
    });
    emulator.enqueue('embeddings', OPENAI_RATE_LIMITED(3));
    await assert.rejects(model.embed(['x']), (error: unknown) => {
      assert.ok(error instanceof SecondBrainError);
      assert.equal(error.kind, 'rateLimited');
      assert.equal(error.retryAfterMs, 3000);
      assert.match(error.message, /openai model text-embedding-3-small/);
      return true;
    });
  });
});
