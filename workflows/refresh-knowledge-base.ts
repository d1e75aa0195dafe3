import {
  executeChild,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createRefreshActivities } from '../activities/refresh/index.js';
import type { RefreshStage } from '../domain/refresh-progress.js';
import { parseInput } from './parse-input.js';
import { progressQuery } from './progress-query.js';
import { DOCUMENT_COUNT } from './search-attributes.js';

const bookkeeping = proxyActivities<ReturnType<typeof createRefreshActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export interface RefreshStageOutcome {
  stage: RefreshStage;
  status: 'completed' | 'reused' | 'skipped';
  workflowId?: string;
  note?: string;
  result?: unknown;
}

export interface RefreshResult {
  refreshKey: string;
  stages: RefreshStageOutcome[];
}

const STAGE_SUMMARIES: Record<RefreshStage, string> = {
  collect: 'Collect changed Notion pages into S3',
  etl: 'Crawl linked pages, convert, score and store them in raw',
  rag: 'Chunk, contextualize, embed and index the raw documents',
};

const STAGE_WORKFLOWS: Record<RefreshStage, string> = {
  collect: 'collectNotionData',
  etl: 'etl',
  rag: 'ragIndex',
};

function runIdOf(result: unknown): string | undefined {
  const runId = (result as { runId?: unknown } | null)?.runId;
  return typeof runId === 'string' ? runId : undefined;
}

/**
 * Keeps the knowledge base fresh: collect (when Notion is configured), then ETL, then RAG
 * indexing, each as a child workflow that stays startable on its own. Each stage's output
 * feeds the next. Finished stages are recorded under the refresh key, so re-running a refresh
 * with the same key (or resetting it) redoes only the stage that failed.
 */
export async function refreshKnowledgeBase(rawInput: unknown = {}): Promise<RefreshResult> {
  const input = await parseInput('refreshKnowledgeBase', rawInput);
  const refreshKey = input.refreshKey ?? workflowInfo().workflowId;
  const stages: RefreshStageOutcome[] = [];
  const status = new Map<RefreshStage, 'pending' | 'running' | 'done' | 'failed'>([
    ['collect', 'pending'],
    ['etl', 'pending'],
    ['rag', 'pending'],
  ]);
  setHandler(progressQuery, () => ({
    stages: [...status].map(([stage, state]) => ({
      stage,
      done: state === 'done' ? 1 : 0,
      failed: state === 'failed' ? 1 : 0,
      pending: state === 'pending' || state === 'running' ? 1 : 0,
      total: 1,
    })),
  }));

  async function runStage(
    stage: RefreshStage,
    stageInput: Record<string, unknown>,
  ): Promise<unknown> {
    const previous = await bookkeeping.findCompletedStage.executeWithOptions(
      { summary: `Look for a ${stage} stage an earlier run of this refresh completed` },
      [{ refreshKey, stage }],
    );
    if (previous !== null) {
      stages.push({
        stage,
        status: 'reused',
        result: previous,
        note: 'completed by an earlier run',
      });
      status.set(stage, 'done');
      return previous;
    }
    const workflowId = `${refreshKey}-${stage}`;
    status.set(stage, 'running');
    try {
      const result: unknown = await executeChild(STAGE_WORKFLOWS[stage], {
        workflowId,
        args: [stageInput],
        staticSummary: STAGE_SUMMARIES[stage],
      });
      await bookkeeping.recordCompletedStage.executeWithOptions(
        { summary: `Record the ${stage} stage as completed` },
        [{ refreshKey, stage, result }],
      );
      stages.push({ stage, status: 'completed', workflowId, result });
      status.set(stage, 'done');
      return result;
    } catch (error) {
      status.set(stage, 'failed');
      log.error('Refresh stage failed', { stage, workflowId });
      throw error;
    }
  }

  const sources = await bookkeeping.describeKnowledgeSources.executeWithOptions(
    { summary: 'Check whether Notion is configured or imported documents are the source' },
    [],
  );
  let etlSource: Record<string, unknown> = { kind: 'all' };
  if (sources.notionConfigured) {
    const collected = await runStage('collect', input.collect ?? {});
    const runId = runIdOf(collected);
    if (runId) etlSource = { kind: 'collect', runId };
  } else {
    stages.push({ stage: 'collect', status: 'skipped', note: sources.note });
    status.set('collect', 'done');
  }

  const etlInput = input.etl ?? {};
  const etlResult = await runStage('etl', { ...etlInput, source: etlInput.source ?? etlSource });
  const stored = (etlResult as { stored?: unknown } | null)?.stored;
  if (typeof stored === 'number') upsertSearchAttributes([{ key: DOCUMENT_COUNT, value: stored }]);

  await runStage('rag', input.rag ?? {});
  return { refreshKey, stages };
}
