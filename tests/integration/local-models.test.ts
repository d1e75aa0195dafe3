// The local default models really run: SmolLM2 through node-llama-cpp (chat, grammar-constrained
// structured output, tool choice) and all-MiniLM-L6-v2 through onnxruntime-node. The test
// runner's global setup has pulled them into MODELS_DIR. Prompts stay short: the machine is shared.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { createEmbeddingModel } from '../../integrations/embeddings/create-embedding-model.js';
import type { EmbeddingModel } from '../../integrations/embeddings/embedding-model.js';
import {
  createLocalChatModel,
  type LocalChatModel,
} from '../../integrations/llm/local-chat-model.js';
import { SecondBrainError } from '../../domain/errors.js';
import { runCli, lastJsonLine, testConfig } from '../support/test-environment.js';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let index = 0; index < a.length; index++) dot += a[index]! * b[index]!;
  return dot;
}

describe('local chat model (SmolLM2-135M-Instruct via node-llama-cpp)', () => {
  let model: LocalChatModel;
  before(async () => {
    const { models } = testConfig();
    model = await createLocalChatModel({
      modelsDirectory: models.directory,
      contextSize: 2048,
      threads: models.llm.threads,
    });
  });
  after(() => model.dispose());

  it('answers a short prompt, streaming its text as it is generated', async () => {
    const pieces: string[] = [];
    const response = await model.chat({
      messages: [
        { role: 'user', content: 'What is the capital of France? Answer in one sentence.' },
      ],
      maxTokens: 30,
      onText: (piece) => pieces.push(piece),
    });
    assert.match(response.text, /Paris/);
    assert.ok(pieces.length > 3, `streamed in ${pieces.length} pieces`);
    assert.equal(pieces.join('').trim(), response.text.trim());
    assert.equal(response.provider, 'local');
    assert.equal(response.model, 'SmolLM2-135M-Instruct-Q4_1');
    assert.ok(response.usage.promptTokens > 0 && response.usage.completionTokens > 0);
  });

  it('produces grammar-constrained structured output that passes the zod schema', async () => {
    const schema = z.object({
      city: z.string().min(1),
      country: z.string().min(1),
      population_millions: z.number(),
    });
    const response = await model.chat({
      messages: [{ role: 'user', content: 'Describe Paris as JSON.' }],
      responseSchema: schema,
      maxTokens: 80,
    });
    assert.ok(response.output, response.text);
    assert.deepEqual(schema.parse(response.output), response.output);
  });

  it('chooses a tool through constrained JSON', async () => {
    const response = await model.chat({
      messages: [{ role: 'user', content: 'What is the weather in Paris today?' }],
      tools: [
        {
          name: 'get_weather',
          description: 'Get the current weather for a city',
          parameters: z.object({ city: z.string() }),
        },
      ],
      maxTokens: 60,
    });
    assert.equal(response.finishReason, 'tool_calls', response.text);
    assert.equal(response.toolCalls[0]?.name, 'get_weather');
    assert.equal(typeof (response.toolCalls[0]?.arguments as { city?: unknown }).city, 'string');
  });

  it("counts tokens with the model's own tokenizer", () => {
    const count = model.countTokens('Second Brain turns Notion into an assistant.');
    assert.ok(count >= 6 && count <= 20, String(count));
    assert.equal(model.contextWindow, 2048);
  });

  it('refuses an input longer than the context window with a non-retryable failure', async () => {
    await assert.rejects(
      model.chat({ messages: [{ role: 'user', content: 'word '.repeat(3000) }], maxTokens: 10 }),
      (error: unknown) => {
        assert.ok(error instanceof SecondBrainError);
        assert.equal(error.kind, 'permanent');
        assert.equal(error.retryable, false);
        assert.match(error.message, /local model SmolLM2-135M-Instruct-Q4_1: .*context window/);
        return true;
      },
    );
  });

  it('names the missing model and the command that fetches it', async () => {
    await assert.rejects(
      createLocalChatModel({ modelsDirectory: '/nonexistent', contextSize: 512, threads: 1 }),
      (error: unknown) => {
        assert.ok(error instanceof SecondBrainError);
        assert.match(error.message, /second-brain models pull/);
        return true;
      },
    );
  });
});

describe('local embedding model (all-MiniLM-L6-v2 via onnxruntime-node)', () => {
  let model: EmbeddingModel;
  before(async () => {
    model = await createEmbeddingModel(testConfig().models);
  });

  it('embeds similar sentences closer than unrelated ones', async () => {
    const [cat, kitten, revenue, feline] = await model.embed([
      'A cat sits on the mat.',
      'A kitten is resting on a rug.',
      'Quarterly revenue grew by eight percent.',
      'The cat is lying on the carpet.',
    ]);
    assert.equal(model.dimensions, 384);
    assert.equal(cat!.length, 384);
    assert.ok(Math.abs(Math.hypot(...cat!) - 1) < 1e-3);
    const similar = cosine(cat!, kitten!);
    const unrelated = cosine(cat!, revenue!);
    assert.ok(similar > unrelated + 0.3, `similar ${similar} vs unrelated ${unrelated}`);
    assert.ok(cosine(cat!, feline!) > cosine(kitten!, revenue!));
  });

  it('gives the same vector for the same text alone or in a batch', async () => {
    const [alone] = await model.embed(['Temporal owns retries.']);
    const [, inBatch] = await model.embed([
      'Something else entirely, longer.',
      'Temporal owns retries.',
    ]);
    assert.ok(cosine(alone!, inBatch!) > 0.999);
  });
});

describe('second-brain models status --json', () => {
  it('makes one real call to each local model', async () => {
    const result = await runCli(['models', 'status', '--json'], {
      env: { LLM_PROVIDER: 'local', EMBEDDING_PROVIDER: 'local' },
    });
    assert.equal(result.code, 0, result.stderr);
    const status = lastJsonLine(result.stdout) as {
      llm: { provider: string; model: string; ok: boolean; latencyMs: number };
      embeddings: {
        provider: string;
        model: string;
        dimensions: number;
        ok: boolean;
        latencyMs: number;
      };
    };
    assert.deepEqual(
      { ...status.llm, latencyMs: 0 },
      { provider: 'local', model: 'SmolLM2-135M-Instruct-Q4_1', ok: true, latencyMs: 0 },
    );
    assert.deepEqual(
      { ...status.embeddings, latencyMs: 0 },
      { provider: 'local', model: 'all-MiniLM-L6-v2', dimensions: 384, ok: true, latencyMs: 0 },
    );
    assert.ok(status.llm.latencyMs > 0);
  });
});
