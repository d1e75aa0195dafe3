// The Temporal overhead of one agent turn: the same turn through the conversation workflow
// (update-with-start, activities, MongoDB step storage) minus the same agent function called
// directly with the same activities and the same model, in the same run. The model is a scripted
// stand-in with a fixed latency, so the difference is the platform's, not the model's.
//
//   node --import tsx bench/agent-overhead.ts [--turns 30] [--model-latency-ms 50]
import '../config/quiet-sdk-warnings.js';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from '@temporalio/worker';
import { createAgentActivities } from '../activities/agent/index.js';
import { askQuestion, newConversationId } from '../clients/agent-client.js';
import { connectClient } from '../clients/temporal-client.js';
import { connectMongo } from '../integrations/mongo/mongo-database.js';
import { createMongoKeywordRetriever } from '../integrations/search/retriever.js';
import { seedCorpus } from '../tests/support/agent-corpus.js';
import { createScriptedChatModel } from '../tests/support/scripted-chat-model.js';
import { startTestInfrastructure } from '../tests/support/test-infrastructure.js';
import { createAgentWorker } from '../workers/agent-worker.js';
import { runAgentTurn } from '../workflows/agent-loop.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const QUESTIONS = ['How often should I feed my sourdough starter?', 'How do I water a bonsai?'];

async function main(): Promise<void> {
  const turns = option('turns', 30);
  const latencyMs = option('model-latency-ms', 50);
  Runtime.install({
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
  });
  process.stderr.write('starting private Temporal, FerretDB and S3 servers...\n');
  const infrastructure = await startTestInfrastructure({
    baseEnvironment: { ...process.env, MONGODB_DATABASE: 'agent_bench' },
    repositoryRoot: root,
    progress: () => undefined,
  });
  const config = {
    ...infrastructure.config,
    agent: {
      ...infrastructure.config.agent,
      mode: 'tools' as const,
      maxSteps: 4,
      turnsPerRun: 500,
    },
  };
  const mongo = await connectMongo(config.mongodb);
  try {
    await seedCorpus(mongo.db);
    const llm = createScriptedChatModel({ delayMs: latencyMs });
    const taskQueue = `agent-bench-${randomUUID().slice(0, 8)}`;
    process.stderr.write('bundling the agent workflows and starting the worker...\n');
    const worker = await createAgentWorker(config, { taskQueue, llm });
    const running = worker.run();
    const client = await connectClient(config);
    const activities = createAgentActivities({
      mongo,
      llm,
      retriever: createMongoKeywordRetriever(mongo.db),
      settings: config.agent,
    });
    const direct: number[] = [];
    const workflow: number[] = [];
    const conversationId = newConversationId();
    // Warm-up: one turn each way (workflow start, caches).
    await askQuestion(client, config, { question: QUESTIONS[0]!, conversationId, taskQueue });
    for (let turn = 0; turn < turns; turn++) {
      const question = QUESTIONS[turn % QUESTIONS.length]!;
      let started = performance.now();
      await runAgentTurn(activities, {
        conversationId: `direct-${conversationId}`,
        turnId: randomUUID(),
        turnIndex: turn,
        question,
        summary: '',
        maxSteps: 4,
      });
      direct.push(performance.now() - started);
      started = performance.now();
      await askQuestion(client, config, { question, conversationId, taskQueue });
      workflow.push(performance.now() - started);
    }
    await client.connection.close();
    await worker.shutdown();
    await running;
    const result = {
      turns,
      modelLatencyMs: latencyMs,
      directP50Ms: Number(percentile(direct, 50).toFixed(1)),
      workflowP50Ms: Number(percentile(workflow, 50).toFixed(1)),
      overheadP50Ms: Number((percentile(workflow, 50) - percentile(direct, 50)).toFixed(1)),
      directP95Ms: Number(percentile(direct, 95).toFixed(1)),
      workflowP95Ms: Number(percentile(workflow, 95).toFixed(1)),
      overheadP95Ms: Number((percentile(workflow, 95) - percentile(direct, 95)).toFixed(1)),
      goalP50OverheadMs: 50,
    };
    mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    writeFileSync(
      path.join(root, 'bench/results/agent-overhead.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await mongo.close();
    await infrastructure.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
