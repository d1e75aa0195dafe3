// Tracing end to end: an agent turn on the real servers becomes one trace with a span for each
// activity, LLM call, tool call and retrieval, stored in MongoDB and exported through the real
// `opik` SDK to a local receiver of Opik's REST endpoints. A dead receiver or a dead trace store
// costs spans, never the turn.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { askQuestion, newConversationId } from '../../clients/agent-client.js';
import { connectClient } from '../../clients/temporal-client.js';
import { stableUuidV7 } from '../../domain/tracing.js';
import { withTracing } from '../../integrations/llm/traced-chat-model.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { readTurnTrace } from '../../integrations/tracing/mongo-trace-store.js';
import { createMongoTraceExporter } from '../../integrations/tracing/mongo-trace-store.js';
import { createOpikClient } from '../../integrations/tracing/opik-client.js';
import { createOpikTraceExporter } from '../../integrations/tracing/opik-trace-exporter.js';
import { runInTraceScope } from '../../integrations/tracing/trace-context.js';
import { createTracer } from '../../integrations/tracing/tracer.js';
import { createAgentWorker } from '../../workers/agent-worker.js';
import type { RunningWorker } from '../../workers/create-worker.js';
import { startOpikEmulator, type OpikEmulator } from '../emulators/opik-emulator.js';
import { seedCorpus } from '../support/agent-corpus.js';
import { createScriptedChatModel } from '../support/scripted-chat-model.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

async function eventually<T>(read: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('tracing of agent turns (MongoDB and Opik through the real SDK)', () => {
  const database = `tracing_${randomUUID().slice(0, 8)}`;
  let opik: OpikEmulator;
  let config: ReturnType<typeof testConfig>;
  const taskQueue = uniqueName('agent-tracing');
  let mongo: MongoDatabase;
  let worker: RunningWorker;
  let client: Client;

  before(async () => {
    opik = await startOpikEmulator();
    config = testConfig({
      MONGODB_DATABASE: database,
      OPIK_URL_OVERRIDE: opik.url,
      OPIK_PROJECT_NAME: 'second-brain-tests',
    });
    mongo = await connectMongo(config.mongodb);
    await seedCorpus(mongo.db);
    worker = await createAgentWorker(config, { taskQueue, llm: createScriptedChatModel() });
    void worker.run();
    client = await connectClient(config);
  });
  after(async () => {
    await worker?.shutdown();
    await client?.connection.close();
    await mongo?.db.dropDatabase().catch(() => undefined);
    await mongo?.close();
    await opik?.close();
  });

  it('stores each turn as a trace with activity, tool, retrieval and LLM spans, and exports it to Opik', async () => {
    const turnId = `turn-${randomUUID()}`;
    const result = await askQuestion(client, config, {
      question: 'How often should I feed my sourdough starter?',
      conversationId: newConversationId(),
      turnId,
      taskQueue,
    });
    assert.ok(result.sources.length > 0);

    // MongoDB: the trace the UI shows beside the answer.
    const trace = await readTurnTrace(mongo.db, turnId);
    assert.ok(trace, 'the turn has a trace');
    assert.equal(trace.name, 'agent turn');
    assert.deepEqual(trace.input, { question: 'How often should I feed my sourdough starter?' });
    assert.equal((trace.output as { answer: string }).answer, result.answer);
    const kinds = trace.spans.map((span) => `${span.kind}:${span.name}`);
    assert.ok(kinds.includes('tool:tool search_knowledge_base'), kinds.join(', '));
    assert.ok(kinds.includes('activity:agentModelStep'), kinds.join(', '));
    assert.ok(kinds.includes('activity:agentFinishTurn'), kinds.join(', '));
    const retrieval = trace.spans.find((span) => span.kind === 'retrieval');
    assert.ok(retrieval, kinds.join(', '));
    const tool = trace.spans.find((span) => span.kind === 'tool');
    assert.equal(retrieval.parentSpanId, tool?.spanId, 'the retrieval ran inside the tool call');
    const results = (retrieval.output as { results: { score: number; title: string }[] }).results;
    assert.equal(results[0]?.title, 'Sourdough starter care');
    assert.ok(results.every((entry) => typeof entry.score === 'number' && entry.score > 0));
    const llm = trace.spans.find((span) => span.kind === 'llm');
    assert.ok(llm);
    assert.equal(llm.model, 'scripted-agent-rules');
    assert.equal(llm.provider, 'scripted');
    assert.deepEqual(llm.usage, { promptTokens: 10, completionTokens: 5, totalTokens: 15 });
    assert.ok(llm.durationMs >= 0);
    assert.equal(llm.origin.activityType, 'agentModelStep');
    assert.equal(llm.origin.workflowType, 'conversation');
    const messages = (llm.input as { messages: { role: string; content: string }[] }).messages;
    assert.ok(messages.some((message) => message.content.includes('sourdough starter')));
    assert.equal(trace.summary.llmCalls, 1);
    assert.equal(trace.summary.promptTokens, 10);

    // Opik: the same trace and spans, through POST /v1/private/{traces,spans}/batch.
    const exported = await eventually(() => opik.traces.get(trace.traceId));
    assert.equal(exported.name, 'agent turn');
    assert.equal(exported.project_name, 'second-brain-tests');
    assert.deepEqual(exported.input, { question: 'How often should I feed my sourdough starter?' });
    await eventually(() =>
      trace.spans.every((span) => opik.spans.has(span.spanId)) ? true : undefined,
    );
    const exportedLlm = opik.spans.get(llm.spanId)!;
    assert.equal(exportedLlm.type, 'llm');
    assert.equal(exportedLlm.trace_id, trace.traceId);
    assert.equal(exportedLlm.parent_span_id, llm.parentSpanId);
    assert.equal(exportedLlm.model, 'scripted-agent-rules');
    assert.deepEqual(exportedLlm.usage, {
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
    });
    assert.equal(typeof exportedLlm.start_time, 'string');
    assert.equal(typeof exportedLlm.end_time, 'string');
    assert.equal((exportedLlm.metadata as { activityType: string }).activityType, 'agentModelStep');
    assert.ok(opik.requests.some((request) => request.path === '/v1/private/traces/batch'));
    assert.ok(opik.requests.some((request) => request.path === '/v1/private/spans/batch'));

    // Asking again with the same turn id returns the stored answer and writes no new span.
    const spanCount = trace.spans.length;
    await askQuestion(client, config, {
      question: 'How often should I feed my sourdough starter?',
      conversationId: result.conversationId,
      turnId,
      taskQueue,
    });
    assert.equal((await readTurnTrace(mongo.db, turnId))?.spans.length, spanCount);
  });

  it('a turn still answers when the Opik receiver is down', async () => {
    const downConfig = testConfig({
      MONGODB_DATABASE: database,
      // A port nothing listens on.
      OPIK_URL_OVERRIDE: 'http://127.0.0.1:9',
    });
    const queue = uniqueName('agent-tracing-down');
    const downWorker = await createAgentWorker(downConfig, {
      taskQueue: queue,
      llm: createScriptedChatModel(),
    });
    void downWorker.run();
    try {
      const turnId = `turn-${randomUUID()}`;
      const result = await askQuestion(client, downConfig, {
        question: 'How do I water a bonsai?',
        turnId,
        taskQueue: queue,
      });
      assert.match(result.answer, /bonsai|soil|water/i);
      // The local store still has the trace.
      assert.ok((await readTurnTrace(mongo.db, turnId))?.spans.length);
    } finally {
      await downWorker.shutdown();
    }
  });

  it('a traced LLM call returns at once when the trace store is unreachable', async () => {
    // A MongoDB client that can never connect: every trace write fails after its timeout.
    const deadMongo = new MongoClient('mongodb://127.0.0.1:9/', {
      serverSelectionTimeoutMS: 2_000,
    });
    const warnings: string[] = [];
    const tracer = createTracer({
      exporters: [createMongoTraceExporter(deadMongo.db('traces'))],
      warn: (message) => warnings.push(message),
    });
    const model = withTracing(createScriptedChatModel(), tracer);
    const scope = {
      trace: {
        traceId: stableUuidV7('turn:dead-store', Date.now()),
        key: 'turn:dead-store',
        name: 'agent turn',
        startTime: new Date(),
        tags: [],
        metadata: {},
      },
      spanId: stableUuidV7('span:dead-store', Date.now()),
      spanKey: 'span:dead-store',
      idTime: Date.now(),
      origin: {
        workflowId: 'w',
        workflowType: 'conversation',
        runId: 'r',
        activityId: '1',
        activityType: 'agentModelStep',
        attempt: 1,
      },
      children: 0,
    };
    const started = Date.now();
    const response = await runInTraceScope(scope, () =>
      model.chat({ messages: [{ role: 'user', content: 'hello' }] }),
    );
    assert.ok(Date.now() - started < 1_000, 'the call did not wait for the trace store');
    assert.equal(response.provider, 'scripted');
    await tracer.settle(200);
    assert.ok(Date.now() - started < 1_500, 'settle is bounded');
    await tracer.close();
    assert.equal(warnings.length, 1, 'the dropped span is reported once');
    await deadMongo.close();
  });

  it('sends the API key and workspace the way Comet cloud expects', async () => {
    const cloud = await startOpikEmulator({ apiKey: 'opik-test-key' });
    try {
      const exporter = createOpikTraceExporter(
        createOpikClient({
          enabled: true,
          apiKey: 'opik-test-key',
          url: cloud.url,
          workspace: 'tester',
          projectName: 'second-brain',
        }),
        'second-brain',
      );
      const time = Date.now();
      const traceId = stableUuidV7('workflow:etl-1', time);
      const spanId = stableUuidV7('workflow:etl-1|span', time);
      await exporter.export(
        {
          spanId,
          traceId,
          parentSpanId: null,
          name: 'chat SmolLM2',
          kind: 'llm',
          startTime: new Date(time),
          endTime: new Date(time + 40),
          durationMs: 40,
          usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
          costUsd: 0,
          origin: {
            workflowId: 'etl-1',
            workflowType: 'etl',
            runId: 'r',
            activityId: '7',
            activityType: 'scoreEtlBatch',
            attempt: 1,
          },
        },
        {
          traceId,
          key: 'workflow:etl-1',
          name: 'etl',
          startTime: new Date(time),
          tags: ['pipeline', 'etl'],
          metadata: { workflowId: 'etl-1' },
        },
      );
      assert.equal(cloud.traces.get(traceId)?.name, 'etl');
      assert.equal(cloud.spans.get(spanId)?.total_estimated_cost, 0);
      assert.ok(cloud.requests.every((request) => request.workspace === 'tester'));
      // A wrong key is refused, and the export reports it instead of throwing elsewhere.
      const refused = createOpikTraceExporter(
        createOpikClient({
          enabled: true,
          apiKey: 'wrong',
          url: cloud.url,
          workspace: 'tester',
          projectName: 'second-brain',
        }),
        'second-brain',
      );
      await assert.rejects(
        refused.export(
          {
            spanId: stableUuidV7('other', time),
            traceId,
            parentSpanId: null,
            name: 'x',
            kind: 'llm',
            startTime: new Date(time),
            endTime: new Date(time),
            durationMs: 0,
            origin: {
              workflowId: 'etl-1',
              workflowType: 'etl',
              runId: 'r',
              activityId: '8',
              activityType: 'scoreEtlBatch',
              attempt: 1,
            },
          },
          {
            traceId,
            key: 'workflow:etl-1',
            name: 'etl',
            startTime: new Date(time),
            tags: [],
            metadata: {},
          },
        ),
      );
    } finally {
      await cloud.close();
    }
  });
});
