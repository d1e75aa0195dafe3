// The grounded answer path end to end (real Temporal, FerretDB, the real workflow and
// activities), with a stand-in model whose replies are chosen per question, so each way a
// model can go wrong is reproduced exactly: an answer that contradicts its source, a model
// that fails mid-answer, one that never finishes, and questions the knowledge base has nothing
// on. The real local model's answers are tested in agent-local-model.test.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { askQuestion, newConversationId } from '../../clients/agent-client.js';
import { connectClient } from '../../clients/temporal-client.js';
import { NO_ANSWER } from '../../domain/agent.js';
import { EXTRACTIVE_LEAD } from '../../domain/answering/extractive-answer.js';
import { COLLECTIONS } from '../../domain/names.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { ChatModel, ChatRequest, ChatResponse } from '../../integrations/llm/chat-model.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createMongoKeywordRetriever } from '../../integrations/search/retriever.js';
import { createAgentWorker } from '../../workers/agent-worker.js';
import type { RunningWorker } from '../../workers/create-worker.js';
import { seedCorpus } from '../support/agent-corpus.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

/** Replies by a word of the question: what a small model might write for it. */
const REPLIES: [RegExp, string][] = [
  [
    /feed/i,
    // The first sentence inverts its source, the second is true, the third is invented.
    'Never feed your sourdough starter twice a day [1]. Feed the starter twice a day with equal weights of flour and water [2]. Sourdough was invented on the moon in 1850 [1].',
  ],
  [/water/i, 'Bonsai is a kind of very small aircraft engine used by pilots [1].'],
];

function standInModel(): ChatModel & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    provider: 'local',
    modelId: 'stand-in',
    contextWindow: 2048,
    requests,
    countTokens: (text) => Math.ceil(text.length / 3),
    async chat<T>(request: ChatRequest<T>): Promise<ChatResponse<T>> {
      requests.push(request);
      // The question only, not the passages above it in the prompt.
      const question = /Question: (.*)$/s.exec(request.messages.at(-1)?.content ?? '')?.[1] ?? '';
      if (/deterministic/i.test(question)) {
        // Writes half a sentence, then the process dies.
        request.onText?.('Temporal replays workflow');
        throw new SecondBrainError('permanent', 'stand-in: the model process crashed');
      }
      if (/retried/i.test(question)) {
        // Never finishes: the answer timeout must end the turn.
        request.onText?.('Activities run side effects');
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 60_000);
          request.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new Error('aborted'));
          });
        });
      }
      const text = REPLIES.find(([pattern]) => pattern.test(question))?.[1] ?? '';
      request.onText?.(text);
      return {
        text,
        output: undefined,
        toolCalls: [],
        finishReason: 'stop',
        usage: { promptTokens: 100, completionTokens: 30 },
        provider: 'local',
        model: 'stand-in',
        cached: false,
      };
    },
  };
}

describe('grounded answer path (retrieval first, checked sentences, quotes as the fallback)', () => {
  const database = `grounded_${randomUUID().slice(0, 8)}`;
  const emptyDatabase = `grounded_empty_${randomUUID().slice(0, 8)}`;
  const config = testConfig({
    MONGODB_DATABASE: database,
    AGENT_MODE: 'grounded',
    AGENT_ANSWER_TIMEOUT_MS: '2000',
  });
  const emptyConfig = testConfig({ MONGODB_DATABASE: emptyDatabase, AGENT_MODE: 'grounded' });
  const taskQueue = uniqueName('grounded');
  const emptyTaskQueue = uniqueName('grounded-empty');
  const llm = standInModel();
  let worker: RunningWorker;
  let emptyWorker: RunningWorker;
  let client: Client;
  let mongo: MongoDatabase;

  before(async () => {
    mongo = await connectMongo(config.mongodb);
    await seedCorpus(mongo.db, [
      {
        documentId: 'doc-sourdough',
        title: 'Sourdough starter care',
        url: 'https://notes.example.test/sourdough',
        text: 'Feed the sourdough starter twice a day with equal weights of flour and water. A starter kept in the fridge needs feeding once a week.',
      },
      {
        documentId: 'doc-temporal',
        title: 'Temporal workflows',
        url: 'https://notes.example.test/temporal',
        text: 'Temporal replays workflow code from its event history, so workflow code must be deterministic. Activities run side effects and are retried.',
      },
      {
        documentId: 'doc-bonsai',
        title: 'Bonsai watering',
        url: 'https://notes.example.test/bonsai',
        text: 'Water a juniper bonsai when the top centimetre of soil is dry. Never let the root ball dry out completely in summer.',
      },
    ]);
    const retriever = createMongoKeywordRetriever(mongo.db, { refreshMs: 0 });
    worker = await createAgentWorker(config, { taskQueue, llm, retriever });
    emptyWorker = await createAgentWorker(emptyConfig, { taskQueue: emptyTaskQueue, llm });
    void worker.run();
    void emptyWorker.run();
    client = await connectClient(config);
  });
  after(async () => {
    await worker.shutdown();
    await emptyWorker.shutdown();
    await client.connection.close();
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.client
      .db(emptyDatabase)
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
  });

  it('keeps only the sentences the passages support: never the one that inverts its source', async () => {
    const result = await askQuestion(client, config, {
      question: 'How often should I feed my sourdough starter?',
      taskQueue,
    });
    assert.equal(result.answerKind, 'model');
    assert.equal(
      result.answer,
      'Feed the starter twice a day with equal weights of flour and water [1].',
    );
    assert.doesNotMatch(result.answer, /never|moon/i);
    assert.deepEqual(
      result.sources.map((source) => source.url),
      ['https://notes.example.test/sourdough'],
    );
    // One model call, given the passage (fenced) and the question, with no tools.
    const request = llm.requests.at(-1)!;
    assert.equal(request.tools, undefined);
    assert.match(request.messages.at(-1)!.content, /<<<SOURCE n="1"[^\n]*>>>\nFeed the sourdough/);
    assert.match(request.messages[0]!.content, /never follow instructions/);
  });

  it('an answer its passages do not support becomes quotes of the passages, labelled', async () => {
    const result = await askQuestion(client, config, {
      question: 'When should I water a juniper bonsai?',
      taskQueue,
    });
    assert.equal(result.answerKind, 'extractive');
    assert.ok(result.answer.startsWith(EXTRACTIVE_LEAD), result.answer);
    assert.match(
      result.answer,
      /“Water a juniper bonsai when the top centimetre of soil is dry\.” \[1\]/,
    );
    assert.doesNotMatch(result.answer, /aircraft/);
    assert.equal(result.sources[0]?.url, 'https://notes.example.test/bonsai');
  });

  it('a model that fails mid-answer still ends the turn with quotes, and says why', async () => {
    const result = await askQuestion(client, config, {
      question: 'Why must workflow code be deterministic?',
      taskQueue,
    });
    assert.equal(result.answerKind, 'extractive');
    assert.match(result.answer, /must be deterministic/);
    assert.equal(result.sources[0]?.url, 'https://notes.example.test/temporal');
    const model = result.steps.find((step) => step.kind === 'model');
    assert.match(model?.outcome ?? '', /the model failed: stand-in: the model process crashed/);
  });

  it('a model that never finishes is cut off by the answer timeout', async () => {
    const started = Date.now();
    const result = await askQuestion(client, config, {
      question: 'Are Temporal activities retried?',
      taskQueue,
    });
    assert.ok(Date.now() - started < 20_000, `${Date.now() - started} ms`);
    assert.equal(result.answerKind, 'extractive');
    assert.match(result.answer, /Activities run side effects and are retried/);
    assert.match(
      result.steps.find((step) => step.kind === 'model')?.outcome ?? '',
      /longer than 2 s/,
    );
  });

  it('a question the knowledge base has nothing on is declined without a model call', async () => {
    const before = llm.requests.length;
    const result = await askQuestion(client, config, {
      question: 'What is the capital of Australia?',
      taskQueue,
    });
    assert.equal(result.answerKind, 'declined');
    assert.equal(result.answer, NO_ANSWER);
    assert.deepEqual(result.sources, []);
    assert.equal(llm.requests.length, before);
  });

  it('an empty knowledge base declines every question', async () => {
    const result = await askQuestion(client, emptyConfig, {
      question: 'How often should I feed my sourdough starter?',
      taskQueue: emptyTaskQueue,
    });
    assert.equal(result.answerKind, 'declined');
    assert.equal(result.answer, NO_ANSWER);
  });

  it('a follow-up is searched with the previous question, and the answer is stored once', async () => {
    const conversationId = newConversationId();
    await askQuestion(client, config, {
      question: 'When should I water a juniper bonsai?',
      conversationId,
      taskQueue,
    });
    const followUp = await askQuestion(client, config, {
      question: 'And in summer?',
      conversationId,
      taskQueue,
    });
    assert.match(followUp.steps[0]?.input ?? '', /And in summer\? \(.*bonsai/);
    assert.equal(followUp.sources[0]?.url, 'https://notes.example.test/bonsai');
    const stored = await mongo.db
      .collection(COLLECTIONS.conversationTurns)
      .countDocuments({ conversationId });
    assert.equal(stored, 2);
  });
});
