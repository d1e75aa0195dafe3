// The response cache against the real MongoDB-wire server (FerretDB), wrapped around the real
// OpenAI adapter talking to the wire-format emulator, so every model call is countable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { COLLECTIONS } from '../../domain/names.js';
import { createOpenAIChatModel } from '../../integrations/llm/openai-chat-model.js';
import {
  responseCacheKey,
  withResponseCache,
  type CachedChatResponse,
} from '../../integrations/llm/response-cache.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import {
  OPENAI_EMULATOR_KEY,
  createOpenAIEmulator,
  openAIChatReply,
} from '../emulators/openai-emulator.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

describe('LLM response cache in MongoDB', () => {
  const emulator = createOpenAIEmulator();
  let mongo: MongoDatabase;
  let model: ChatModel;
  let cached: ChatModel;
  before(async () => {
    await emulator.start();
    mongo = await connectMongo(testConfig().mongodb);
    model = createOpenAIChatModel({
      model: 'gpt-4o-mini',
      apiKey: OPENAI_EMULATOR_KEY,
      baseUrl: `${emulator.url}/v1`,
      contextSize: 4096,
      timeoutMs: 5000,
    });
    cached = withResponseCache(
      model,
      mongo.db.collection<CachedChatResponse>(COLLECTIONS.llmCache),
    );
  });
  after(async () => {
    await mongo.close();
    await emulator.stop();
  });

  it('answers an identical request from the cache, and pays again for a different one', async () => {
    const question = uniqueName('question');
    const request = { messages: [{ role: 'user' as const, content: question }], temperature: 0 };
    const calls = emulator.requests.length;
    const first = await cached.chat(request);
    const second = await cached.chat(request);
    assert.equal(first.cached, false);
    assert.equal(second.cached, true);
    assert.equal(second.text, first.text);
    assert.deepEqual(second.usage, first.usage);
    assert.equal(emulator.requests.length - calls, 1);

    const warmer = await cached.chat({ ...request, temperature: 0.7 });
    assert.equal(warmer.cached, false);
    assert.equal(emulator.requests.length - calls, 2);
  });

  it('caches validated structured output and can be bypassed per call', async () => {
    const schema = z.object({ score: z.number() });
    const request = {
      messages: [{ role: 'user' as const, content: uniqueName('score') }],
      responseSchema: schema,
    };
    emulator.enqueue('chat', openAIChatReply({ content: '{"score":4}' }));
    const calls = emulator.requests.length;
    await cached.chat(request);
    const hit = await cached.chat(request);
    assert.equal(hit.cached, true);
    assert.deepEqual(hit.output, { score: 4 });
    emulator.enqueue('chat', openAIChatReply({ content: '{"score":5}' }));
    const bypassed = await cached.chat({ ...request, cache: false });
    assert.equal(bypassed.cached, false);
    assert.deepEqual(bypassed.output, { score: 5 });
    assert.equal(emulator.requests.length - calls, 2);
  });

  it('stores one document per request, keyed by its sha256, whatever the key order', async () => {
    const content = uniqueName('order');
    const key = responseCacheKey(model, { messages: [{ role: 'user', content }], maxTokens: 5 });
    const reordered = responseCacheKey(model, {
      maxTokens: 5,
      messages: [{ content, role: 'user' }],
    });
    assert.equal(key, reordered);
    assert.match(key, /^[0-9a-f]{64}$/);
    await cached.chat({ messages: [{ role: 'user', content }], maxTokens: 5 });
    await cached.chat({ messages: [{ role: 'user', content }], maxTokens: 5 });
    const documents = await mongo.db
      .collection<CachedChatResponse>(COLLECTIONS.llmCache)
      .find({ _id: key })
      .toArray();
    assert.equal(documents.length, 1);
    assert.equal(documents[0]?.provider, 'openai');
    assert.equal(documents[0]?.model, 'gpt-4o-mini');
  });
});
