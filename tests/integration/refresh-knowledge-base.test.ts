// The refresh workflow end to end on private servers (its own bucket and database, so ETL's
// "all documents" source sees only what this test imports): started from the official
// `temporal` CLI with input {} as the Temporal UI would, then re-run with the same key.
// Quality scoring asks the OpenAI emulator: the same refresh of the same sample with the real
// local model is the main job's test (main-job.test.ts, `start`), and the local model's scoring
// took most of this file's 8 minutes (546 s in the clean-clone run of 7 December).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { SAMPLE_KNOWLEDGE_BASE } from '../../clients/cli/start-command.js';
import { loadConfig, type Config } from '../../config/environment.js';
import { startPipeline } from '../../clients/temporal-client.js';
import { TASK_QUEUES } from '../../domain/names.js';
import { resolveTool } from '../../infra/tool-installer.js';
import { importDocuments } from '../../integrations/import/document-importer.js';
import { connectMongo } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import type { RefreshResult } from '../../workflows/refresh-knowledge-base.js';
import {
  createOpenAIEmulator,
  OPENAI_EMULATOR_KEY,
  openAIChatReply,
} from '../emulators/openai-emulator.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import { recordHistoryForReplay } from '../support/replay-histories.js';
import { repositoryRoot, uniqueName } from '../support/test-environment.js';
import {
  startTestInfrastructure,
  type TestInfrastructure,
} from '../support/test-infrastructure.js';

describe('refreshKnowledgeBase', () => {
  let infrastructure: TestInfrastructure;
  let config: Config;
  const openai = createOpenAIEmulator({
    chat: (request) =>
      openAIChatReply({
        model: (request.body as { model: string }).model,
        content: JSON.stringify({ score: 0.8, reason: 'a clear explanation' }),
      }),
  });
  const scoringCalls = () =>
    openai.requests.filter((request) => request.path === '/v1/chat/completions').length;

  before(async () => {
    await openai.start();
    infrastructure = await startTestInfrastructure({
      baseEnvironment: { ...process.env, NOTION_TOKEN: '', NOTION_DATABASE_IDS: '' },
      repositoryRoot,
      progress: () => undefined,
    });
    // The test servers drop LLM_* from the environment (never a real cloud API): set here.
    config = loadConfig(
      {
        ...infrastructure.environment,
        LLM_PROVIDER: 'openai',
        LLM_MODEL: 'gpt-4o-mini',
        LLM_BASE_URL: `${openai.url}/v1`,
        OPENAI_API_KEY: OPENAI_EMULATOR_KEY,
      },
      repositoryRoot,
    );
    const storage = createObjectStorage(config.s3);
    const imported = await importDocuments(storage, SAMPLE_KNOWLEDGE_BASE);
    assert.equal(imported.imported, 7);
    storage.close();
  });
  // The offline queue itself: these servers are private to this test. Registered between the
  // set-up and the tear-down, so the worker stops before the servers do.
  const harness = useOfflineWorker({ config: () => config, taskQueue: TASK_QUEUES.offline });
  after(async () => {
    await infrastructure.stop();
    await openai.stop();
  });

  it('starts from `temporal workflow start --input {}` and completes: collect skipped, ETL, RAG', async () => {
    const temporal = resolveTool('temporal', config.toolsDirectory, () => undefined);
    const workflowId = uniqueName('refresh-from-cli');
    const started = spawnSync(
      temporal.path,
      [
        'workflow',
        'start',
        '--address',
        config.temporal.address,
        '--namespace',
        config.temporal.namespace,
        '--type',
        'refreshKnowledgeBase',
        '--task-queue',
        TASK_QUEUES.offline,
        '--workflow-id',
        workflowId,
        '--input',
        '{}',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(started.status, 0, started.stderr);

    const handle = harness.client.workflow.getHandle(workflowId);
    const result = (await handle.result()) as RefreshResult;
    assert.deepEqual(
      result.stages.map((stage) => [stage.stage, stage.status]),
      [
        ['collect', 'skipped'],
        ['etl', 'completed'],
        ['rag', 'completed'],
      ],
    );
    assert.match(result.stages[0]!.note ?? '', /NOTION_TOKEN and NOTION_DATABASE_IDS not set/);
    const rag = result.stages[2]!.result as {
      chunkCount: number;
      documents: { selected?: number };
    };
    assert.ok(rag.chunkCount > 0, 'the sample documents were indexed');
    assert.ok(scoringCalls() > 0, 'documents were scored by the LLM');
    await recordHistoryForReplay(harness.client, workflowId, 'refresh-knowledge-base');

    // The imported sample (7 documents) is in raw, and the unreachable links were reported, not fatal.
    const mongo = await connectMongo(config.mongodb);
    try {
      assert.ok((await mongo.db.collection('raw').countDocuments()) >= 7);
    } finally {
      await mongo.close();
    }
    const described = await handle.describe();
    assert.equal(typeof described.searchAttributes.DocumentCount?.[0], 'number');

    // The RAG stage answers the progress query that `run --wait` draws: every stage finished.
    const ragProgress = await harness.client.workflow
      .getHandle(result.stages[2]!.workflowId!)
      .query<{ stages: { stage: string; pending: number }[] }>('progress');
    assert.deepEqual(
      ragProgress.stages.map((stage) => [stage.stage, stage.pending]),
      [
        ['plan', 0],
        ['copy unchanged', 0],
        ['chunk, contextualize, embed', 0],
        ['activate', 0],
        ['chunks embedded', 0],
      ],
    );
    // `start` shows the chunks embedded from that last entry.
    const embedded = ragProgress.stages.at(-1) as unknown as { done: number };
    assert.ok(embedded.done > 0, 'chunks were embedded');

    // Every activity and child workflow in the refresh and its stages carries a readable
    // summary, so the event history reads as a story in the Temporal UI.
    const converter = harness.client.options.loadedDataConverter.payloadConverter;
    for (const id of [workflowId, ...result.stages.flatMap((stage) => stage.workflowId ?? [])]) {
      const history = await harness.client.workflow.getHandle(id).fetchHistory();
      const scheduled = (history.events ?? []).filter(
        (event) =>
          event.activityTaskScheduledEventAttributes ||
          event.startChildWorkflowExecutionInitiatedEventAttributes,
      );
      assert.ok(scheduled.length > 0, id);
      for (const event of scheduled) {
        const name =
          event.activityTaskScheduledEventAttributes?.activityType?.name ??
          event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name;
        const summary = event.userMetadata?.summary;
        assert.ok(summary, `${id}: ${name} has no summary`);
        assert.match(String(converter.fromPayload(summary)), /\w+ \w+/);
      }
    }
  });

  it('re-running with the same refresh key redoes nothing that already finished', async () => {
    const refreshKey = uniqueName('refresh-key');
    const first = await startPipeline(harness.client, 'refresh', { input: { refreshKey } });
    await first.result();
    const second = await startPipeline(harness.client, 'refresh', { input: { refreshKey } });
    const result = (await second.result()) as RefreshResult;
    assert.deepEqual(
      result.stages.map((stage) => stage.status),
      ['skipped', 'reused', 'reused'],
    );
  });

  it('an invalid UI-style input fails at once, non-retryably, naming the field', async () => {
    const handle = await startPipeline(harness.client, 'refresh', {
      input: { etl: 'fast please' },
    });
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.ok(error.cause instanceof ApplicationFailure);
      assert.equal(error.cause.type, 'ValidationError');
      assert.equal(error.cause.nonRetryable, true);
      assert.match(error.cause.message, /etl: .*expected record, received string/);
      return true;
    });
  });
});
