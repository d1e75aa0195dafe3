// The `evaluate` workflow on the real servers with the real local model as the judge (and as
// the writer of the starter questions): a starter dataset from the indexed chunks, the agent
// asked through its own task queue, every metric computed, the run stored and compared with
// the previous one, and the dataset, experiment and scores in Opik (a local receiver of its
// REST endpoints, reached by the real SDK).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { EvaluationMetricsResult } from '../../domain/evaluation-run.js';
import { startPipeline } from '../../clients/temporal-client.js';
import { METRIC_NAMES } from '../../domain/evaluation.js';
import { COLLECTIONS } from '../../domain/names.js';
import {
  evaluationCollections,
  findEvaluationDataset,
} from '../../integrations/evaluation/evaluation-store.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import { createAgentWorker } from '../../workers/agent-worker.js';
import type { RunningWorker } from '../../workers/create-worker.js';
import { startOpikEmulator, type OpikEmulator } from '../emulators/opik-emulator.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import { AGENT_CORPUS, seedCorpus } from '../support/agent-corpus.js';
import { recordHistoryForReplay } from '../support/replay-histories.js';
import { createScriptedChatModel } from '../support/scripted-chat-model.js';
import { lastJsonLine, runCli, testConfig, uniqueName } from '../support/test-environment.js';

describe('evaluate workflow with the local judge (SmolLM2 via node-llama-cpp)', () => {
  const database = `evaluation_${randomUUID().slice(0, 8)}`;
  const taskQueue = uniqueName('evaluation');
  const agentTaskQueue = uniqueName('evaluation-agent');
  let opik: OpikEmulator;
  let config: ReturnType<typeof testConfig>;
  let mongo: MongoDatabase;
  let storage: ObjectStorage;
  let agentWorker: RunningWorker;

  before(async () => {
    opik = await startOpikEmulator();
    config = testConfig({
      MONGODB_DATABASE: database,
      OPIK_URL_OVERRIDE: opik.url,
      OPIK_PROJECT_NAME: 'second-brain-eval-tests',
    });
    mongo = await connectMongo(config.mongodb);
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    await seedCorpus(mongo.db);
    // The agent under evaluation is the scripted double (fast and deterministic); the judge
    // and the question writer are the real local model of the offline worker.
    agentWorker = await createAgentWorker(config, {
      taskQueue: agentTaskQueue,
      llm: createScriptedChatModel(),
    });
    void agentWorker.run();
  });
  // The offline worker (the judge and the question writer): after the set-up, which it needs,
  // and before the tear-down.
  const harness = useOfflineWorker({ config: () => config, taskQueue });
  after(async () => {
    await agentWorker?.shutdown();
    await mongo?.db.dropDatabase().catch(() => undefined);
    await mongo?.close();
    storage?.close();
    await opik?.close();
  });

  it('generates a starter dataset, asks the agent, and produces every metric', async (t) => {
    const handle = await startPipeline(harness.client, 'evaluate', {
      input: { limit: 2, starterQuestions: 3, concurrency: 2, agentTaskQueue },
      taskQueue,
      trigger: 'test',
    });
    const result = (await handle.result()) as EvaluationMetricsResult;
    await recordHistoryForReplay(harness.client, handle.workflowId, 'evaluate');
    t.diagnostic(JSON.stringify(result.metrics));

    assert.equal(result.runId, handle.workflowId);
    assert.equal(result.questions, 2);
    assert.equal(result.answered, 2);
    assert.equal(result.previousRunId, null);
    // Every starter question is answerable, so "declined when unanswerable" has nothing to
    // measure; citation precision needs an answer with citations, which a decline lacks.
    const alwaysComputed = METRIC_NAMES.filter(
      (name) => name !== 'declined_when_unanswerable' && name !== 'citation_precision',
    );
    assert.equal(result.metrics.declined_when_unanswerable, null);
    for (const name of alwaysComputed) {
      const value = result.metrics[name];
      assert.equal(typeof value, 'number', `${name} was computed (${JSON.stringify(result)})`);
      assert.ok(value! >= 0 && value! <= 1, `${name} = ${value} is in [0, 1]`);
      assert.equal(result.counts[name], 2, `${name} over both questions`);
    }
    assert.match(result.judge, /^local\/SmolLM2/);

    // The starter dataset: LLM-written questions labeled with their chunk's document.
    const dataset = await findEvaluationDataset(mongo.db, 'second-brain-eval');
    assert.ok(dataset);
    assert.equal(dataset.origin, 'generated');
    assert.ok(dataset.items.length >= 2 && dataset.items.length <= 3);
    const corpusDocuments = new Set(AGENT_CORPUS.map((chunk) => chunk.documentId));
    for (const item of dataset.items) {
      assert.match(item.question, /\?$/);
      assert.equal(item.sourceDocumentIds.length, 1);
      assert.ok(corpusDocuments.has(item.sourceDocumentIds[0]!));
    }
    assert.equal(result.datasetVersion, dataset.version);

    // Per-question results with reasons, and the judge's calls traced under this workflow.
    const results = await evaluationCollections(mongo.db)
      .results.find({ runId: result.runId })
      .toArray();
    assert.equal(results.length, 2);
    for (const stored of results) {
      assert.ok(stored.answer);
      assert.ok(stored.traceId, 'the answer is linked to its turn trace');
      assert.equal(typeof stored.scores?.hallucination?.reason, 'string');
    }
    const judgeSpans = await mongo.db
      .collection<{ origin: { workflowId: string } }>(COLLECTIONS.traces)
      .find({
        type: 'span',
        kind: 'llm',
        'origin.workflowType': 'evaluate',
        'origin.activityType': 'scoreEvaluationItem',
      })
      .toArray();
    assert.ok(judgeSpans.length >= 4 * 2, `judge calls traced (${judgeSpans.length})`);
    assert.ok(judgeSpans.every((span) => span.origin.workflowId === result.runId));

    // The report in S3.
    const report = await storage.getObject(result.reportKey);
    assert.match(report!.body.toString('utf8'), /\| Hallucination \(Opik\) \| – \|/);
    const chart = await storage.getObject(result.chartKey);
    assert.match(chart!.body.toString('utf8'), /^<svg /);

    // Opik: the dataset, the experiment linking items to the turns' traces, the scores.
    const opikDataset = [...opik.datasets.values()].find(
      (candidate) => candidate.name === 'second-brain-eval',
    );
    assert.ok(opikDataset);
    assert.equal(opikDataset.items.size, dataset.items.length);
    assert.ok(result.opikExperimentId);
    const experiment = opik.experiments.get(result.opikExperimentId);
    assert.equal(experiment?.dataset_name, 'second-brain-eval');
    assert.equal(experiment?.items.length, 2);
    for (const item of experiment.items) {
      assert.ok(opikDataset.items.has(String(item.dataset_item_id)));
      assert.ok(results.some((stored) => stored.traceId === item.trace_id));
    }
    const scoreNames = new Set(opik.feedbackScores.map((score) => score.name));
    for (const name of alwaysComputed) assert.ok(scoreNames.has(name), `${name} sent to Opik`);
  });

  it('a second run is compared with the first (workflow result and CLI report)', async () => {
    const first = (await evaluationCollections(mongo.db).runs.find({}).toArray())[0]!;
    // One question is enough for a comparison (the judge's calls are most of this file's time).
    const handle = await startPipeline(harness.client, 'evaluate', {
      input: { limit: 1, agentTaskQueue },
      taskQueue,
    });
    const result = (await handle.result()) as EvaluationMetricsResult;
    assert.equal(result.previousRunId, first._id);
    assert.equal(result.datasetVersion, first.datasetVersion, 'the newest dataset is reused');
    const hallucination = result.comparison.find((row) => row.metric === 'hallucination');
    assert.equal(hallucination?.previous, first.metrics?.hallucination.mean);
    assert.equal(typeof hallucination?.delta, 'number');

    // Both reports read the stored runs: printed side by side, not one CLI start after another.
    const [cli, table] = await Promise.all([
      runCli(['evaluate', 'report', '--json'], { env: { MONGODB_DATABASE: database } }),
      runCli(['evaluate', 'report'], { env: { MONGODB_DATABASE: database } }),
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const printed = lastJsonLine(cli.stdout) as {
      runId: string;
      previousRunId: string;
      comparison: { metric: string; current: number | null }[];
    };
    assert.equal(printed.runId, result.runId);
    assert.equal(printed.previousRunId, first._id);
    assert.deepEqual(
      printed.comparison.map((row) => row.metric),
      METRIC_NAMES,
    );
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Retrieval MRR/);
    assert.match(table.stdout, /Previous\s+Current\s+Change/);
  });
});
