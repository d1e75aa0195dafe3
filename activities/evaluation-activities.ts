// Activities of the `evaluate` workflow: make sure a dataset version exists (a starter dataset
// of LLM-written questions about sampled chunks when there is none), ask the agent each
// question through its own task queue, score each answer, and finish the run with aggregates,
// a comparison with the previous run (S3 report + chart) and an Opik experiment. Every result
// is stored in MongoDB before it is returned, keyed by (run, question), so retries resume.
import { createHash } from 'node:crypto';
import { Context, log } from '@temporalio/activity';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Opik } from 'opik';
import type { Config } from '../config/environment.js';
import { askQuestion } from '../clients/agent-client.js';
import { SecondBrainError } from '../domain/errors.js';
import {
  aggregateScores,
  cleanQuestion,
  compareRuns,
  evaluationItemId,
  METRIC_NAMES,
  sampleChunks,
  STARTER_PROMPT_VERSION,
  starterQuestionMessages,
  starterQuestionSchema,
  type EvaluationItem,
  type ItemScores,
  type MetricComparison,
  type MetricName,
} from '../domain/evaluation.js';
import { comparisonChartSvg, comparisonMarkdown } from '../domain/evaluation-report.js';
import { COLLECTIONS } from '../domain/names.js';
import { EVALUATION_REPORT_FILES, runPrefix } from '../domain/storage-layout.js';
import { errorMessage } from '../domain/tracing.js';
import type { EvaluateInput } from '../domain/workflow-inputs.js';
import { createEvaluationScorer } from '../integrations/evaluation/evaluation-metrics.js';
import { scoreAnswer } from '../domain/answering/answer-metrics.js';
import {
  evaluationCollections,
  findEvaluationDataset,
  saveEvaluationDataset,
  type EvaluationDatasetRecord,
  type EvaluationResultRecord,
  type EvaluationRunRecord,
} from '../integrations/evaluation/evaluation-store.js';
import {
  recordOpikExperiment,
  syncDatasetToOpik,
} from '../integrations/evaluation/opik-evaluation-sync.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';
import type { ObjectStorage } from '../integrations/s3/object-storage.js';
import { SERVING_STATE_ID, type RagServingState } from '../integrations/search/rag-records.js';

const HEARTBEAT_MS = 5_000;
/** Evaluation conversations complete soon after their one question. */
const EVALUATION_CONVERSATION_IDLE_MINUTES = 1;

/**
 * The answer benchmark's metrics for one answer: grounded (needs labelled documents), citation
 * precision (needs citations) and declined-when-unanswerable (needs an unanswerable item).
 */
function deterministicScores(
  item: EvaluationItem,
  result: EvaluationResultRecord,
  retrieved: { n: number; documentId: string; text: string }[],
): Pick<ItemScores, 'grounded' | 'citation_precision' | 'declined_when_unanswerable'> {
  const cited = (result.sources ?? []).map((source) => ({
    n: source.n,
    url: source.url,
    documentId: source.documentId,
    text: retrieved.find((candidate) => candidate.n === source.n)?.text ?? '',
  }));
  const score = scoreAnswer(
    {
      id: item.id,
      question: item.question,
      answerPages: item.unanswerable ? [] : item.sourceDocumentIds,
      keyTerms: item.keyTerms ?? [],
    },
    { answer: result.answer ?? '', answerKind: result.answerKind ?? 'model', sources: cited },
  );
  // Without key terms, citing a labelled document is what grounded means.
  const groundedWithoutTerms = item.keyTerms?.length
    ? score.grounded
    : score.answered &&
      cited.some((source) => item.sourceDocumentIds.includes(source.documentId ?? ''));
  return {
    grounded:
      item.unanswerable || item.sourceDocumentIds.length === 0
        ? null
        : {
            value: groundedWithoutTerms ? 1 : 0,
            reason: groundedWithoutTerms
              ? 'cites a labelled document'
              : score.answered
                ? 'cites no labelled document, or says none of the key terms'
                : 'declined',
          },
    citation_precision:
      score.citationPrecision === null
        ? null
        : {
            value: score.citationPrecision,
            reason: `${Math.round(score.citationPrecision * cited.length)} of ${cited.length} cited passage(s) support a sentence citing them`,
          },
    declined_when_unanswerable: item.unanswerable
      ? {
          value: score.declinedCorrectly ? 1 : 0,
          reason: score.declinedCorrectly ? 'declined' : 'answered a question it cannot answer',
        }
      : null,
  };
}

export interface EvaluationMetricsResult {
  runId: string;
  datasetName: string;
  datasetVersion: string;
  questions: number;
  answered: number;
  failed: number;
  judge: string;
  /** The mean of each metric over the questions where it could be computed (null: none). */
  metrics: Record<MetricName, number | null>;
  /** How many questions each mean is over. */
  counts: Record<MetricName, number>;
  previousRunId: string | null;
  comparison: Pick<MetricComparison, 'metric' | 'previous' | 'current' | 'delta' | 'verdict'>[];
  reportKey: string;
  chartKey: string;
  opikExperimentId?: string;
}

interface StepRecord {
  turnId: string;
  kind: string;
  step: number;
  index?: number;
  call?: { name: string };
  sources?: { n: number; chunkId: string; documentId: string; text: string }[];
}

/** Heartbeats while a long call runs, so a dead worker's attempt is retried within a minute. */
async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Every message of an error and its causes (a failed update's reason is a few causes deep). */
function causeChain(error: unknown): string {
  const messages: string[] = [];
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    const message = errorMessage(current);
    if (message && !messages.includes(message)) messages.push(message);
    current = (current as { cause?: unknown }).cause;
  }
  return messages.join(': ');
}

function hashId(text: string, length = 24): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

export function createEvaluationActivities(dependencies: {
  config: Config;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  llm?: ChatModel;
  judge?: ChatModel;
  modelProblems?: string[];
  opik?: Opik;
  temporalClient?: () => Promise<Client>;
}) {
  const { config, storage, mongo } = dependencies;
  const db = mongo.db;
  const collections = evaluationCollections(db);

  function missingModel(role: string): SecondBrainError {
    const problems = dependencies.modelProblems ?? [];
    return new SecondBrainError(
      'permanent',
      `No ${role} is available on this worker${problems.length > 0 ? ` (${problems.join('; ')})` : ''}: configure LLM_PROVIDER/LLM_MODEL (or EVAL_JUDGE_PROVIDER/EVAL_JUDGE_MODEL), or run \`second-brain models pull\`, and restart the worker`,
    );
  }

  async function indexedChunks(): Promise<
    { chunkId: string; documentId: string; title: string; text: string }[]
  > {
    const state = await db
      .collection<RagServingState>(COLLECTIONS.ragIndexState)
      .findOne({ _id: SERVING_STATE_ID });
    const filter = state
      ? { kind: 'chunk', indexVersion: state.indexVersion }
      : { $or: [{ kind: 'chunk' }, { kind: { $exists: false } }] };
    const records = await db
      .collection<{
        chunkId?: string;
        documentId?: string;
        title?: string;
        text?: string;
      }>(COLLECTIONS.rag)
      .find(filter)
      .project<{ chunkId?: string; documentId?: string; title?: string; text?: string }>({
        chunkId: 1,
        documentId: 1,
        title: 1,
        text: 1,
      })
      .limit(50_000)
      .toArray();
    return records.flatMap((record) =>
      typeof record.text === 'string' &&
      record.text.trim().length >= 40 &&
      record.chunkId &&
      record.documentId
        ? [
            {
              chunkId: record.chunkId,
              documentId: record.documentId,
              title: record.title ?? '',
              text: record.text,
            },
          ]
        : [],
    );
  }

  async function generateStarterDataset(
    input: Pick<EvaluateInput, 'datasetName' | 'starterQuestions' | 'seed'>,
  ): Promise<EvaluationDatasetRecord> {
    const llm = dependencies.llm;
    if (!llm) throw missingModel('chat model to write the starter questions');
    const chunks = await indexedChunks();
    if (chunks.length === 0)
      throw new SecondBrainError(
        'validation',
        'The knowledge base has no indexed chunks to write evaluation questions about: run `second-brain run refresh` (or `run rag`) first',
      );
    const sample = sampleChunks(chunks, input.starterQuestions, input.seed);
    const items: EvaluationItem[] = [];
    const context = Context.current();
    for (const [index, chunk] of sample.entries()) {
      context.heartbeat({ index });
      try {
        // The worker's model is behind the response cache: a retried attempt pays nothing twice.
        const response = await withHeartbeat(() =>
          llm.chat({
            messages: starterQuestionMessages(chunk.title, chunk.text),
            temperature: 0,
            maxTokens: 96,
            responseSchema: starterQuestionSchema,
            responseSchemaName: 'question',
          }),
        );
        const question = cleanQuestion(response.output?.question ?? '');
        if (!question) continue;
        const id = evaluationItemId(question);
        if (items.some((item) => item.id === id)) continue;
        items.push({ id, question, sourceDocumentIds: [chunk.documentId] });
      } catch (error) {
        if (error instanceof SecondBrainError && error.retryable) throw error;
        log.warn('No starter question for a chunk', {
          chunkId: chunk.chunkId,
          reason: errorMessage(error),
        });
      }
    }
    if (items.length === 0)
      throw new SecondBrainError(
        'permanent',
        `The chat model wrote no usable question for the ${sample.length} sampled chunk(s)`,
      );
    return saveEvaluationDataset(db, input.datasetName, items, 'generated', {
      model: `${llm.provider}/${llm.modelId}`,
      promptVersion: STARTER_PROMPT_VERSION,
      seed: input.seed,
      chunks: sample.length,
    });
  }

  async function syncToOpik(dataset: EvaluationDatasetRecord): Promise<void> {
    if (!dependencies.opik || dataset.opik) return;
    try {
      const { datasetId } = await syncDatasetToOpik(dependencies.opik, {
        name: dataset.name,
        version: dataset.version,
        items: dataset.items,
        createdAt: dataset.createdAt,
        projectName: config.opik.projectName,
      });
      await collections.datasets.updateOne(
        { _id: dataset._id },
        { $set: { opik: { datasetId, syncedAt: new Date() } } },
      );
    } catch (error) {
      // Opik is a mirror: the run goes on with the dataset stored in MongoDB.
      log.warn('The evaluation dataset could not be synced to Opik', {
        dataset: dataset._id,
        error: errorMessage(error),
      });
    }
  }

  async function runRecord(runId: string): Promise<EvaluationRunRecord> {
    const run = await collections.runs.findOne({ _id: runId });
    if (!run) throw new SecondBrainError('notFound', `No evaluation run ${runId}`);
    return run;
  }

  async function datasetItem(run: EvaluationRunRecord, itemId: string): Promise<EvaluationItem> {
    const dataset = await findEvaluationDataset(db, run.datasetName, run.datasetVersion);
    const item = dataset?.items.find((candidate) => candidate.id === itemId);
    if (!item)
      throw new SecondBrainError(
        'notFound',
        `Question ${itemId} is not in ${run.datasetName}@${run.datasetVersion}`,
      );
    return item;
  }

  return {
    /** The dataset version to evaluate: the named one, the newest, or a new starter dataset. */
    async prepareEvaluationDataset(
      input: Pick<
        EvaluateInput,
        'datasetName' | 'datasetVersion' | 'starterQuestions' | 'regenerate' | 'seed'
      >,
    ): Promise<{ datasetName: string; version: string; itemIds: string[]; generated: boolean }> {
      let dataset = await findEvaluationDataset(db, input.datasetName, input.datasetVersion);
      if (!dataset && input.datasetVersion)
        throw new SecondBrainError(
          'notFound',
          `No evaluation dataset ${input.datasetName}@${input.datasetVersion}`,
        );
      const generated = !dataset || input.regenerate;
      if (generated) dataset = await generateStarterDataset(input);
      await syncToOpik(dataset!);
      log.info('Evaluation dataset ready', {
        dataset: dataset!._id,
        questions: dataset!.items.length,
        generated,
      });
      return {
        datasetName: dataset!.name,
        version: dataset!.version,
        itemIds: dataset!.items.map((item) => item.id),
        generated,
      };
    },

    /** Records the run (its questions: the first `limit` of the dataset). */
    async startEvaluationRun(input: {
      runId: string;
      datasetName: string;
      datasetVersion: string;
      itemIds: string[];
      settings: EvaluationRunRecord['settings'];
    }): Promise<{ itemIds: string[] }> {
      const itemIds = input.itemIds.slice(0, input.settings.limit);
      const judge = dependencies.judge;
      await collections.runs.updateOne(
        { _id: input.runId },
        {
          $setOnInsert: {
            datasetName: input.datasetName,
            datasetVersion: input.datasetVersion,
            itemIds,
            status: 'running',
            judge: judge ? `${judge.provider}/${judge.modelId}` : 'unavailable',
            settings: input.settings,
            startedAt: new Date(),
          },
        },
        { upsert: true },
      );
      return { itemIds: (await runRecord(input.runId)).itemIds };
    },

    /** Asks the agent one question (its own conversation) and stores the answer. */
    async answerEvaluationQuestion(input: {
      runId: string;
      itemId: string;
      agentTaskQueue?: string;
    }): Promise<{ ok: boolean }> {
      const resultId = `${input.runId}:${input.itemId}`;
      const stored = await collections.results.findOne({ _id: resultId });
      if (stored?.answer !== undefined || stored?.answerError !== undefined)
        return { ok: stored.answer !== undefined };
      const run = await runRecord(input.runId);
      const item = await datasetItem(run, input.itemId);
      // Stable ids: a retried attempt asks the same turn, which the agent answers only once.
      const turnId = `eval-${hashId(resultId)}`;
      const conversationId = `eval-conversation-${hashId(resultId)}`;
      const record: Omit<EvaluationResultRecord, '_id'> = {
        runId: input.runId,
        itemId: input.itemId,
        question: item.question,
        turnId,
        conversationId,
        createdAt: new Date(),
      };
      if (!dependencies.temporalClient)
        throw new SecondBrainError(
          'permanent',
          'This worker has no Temporal client to ask the agent',
        );
      const client = await dependencies.temporalClient();
      try {
        const turn = await withHeartbeat(() =>
          askQuestion(client, config, {
            question: item.question,
            conversationId,
            turnId,
            taskQueue: input.agentTaskQueue,
            trigger: 'evaluation',
            idleTimeoutMinutes: EVALUATION_CONVERSATION_IDLE_MINUTES,
          }),
        );
        const steps = await db
          .collection<StepRecord>(COLLECTIONS.agentSteps)
          .find({ turnId, kind: 'tool' })
          .toArray();
        const documentOf = new Map(
          steps.flatMap((step) =>
            (step.sources ?? []).map((source) => [source.chunkId, source.documentId]),
          ),
        );
        record.answer = turn.answer;
        record.answerKind = turn.answerKind ?? 'model';
        record.sources = turn.sources.map((source) => ({
          n: source.n,
          url: source.url,
          title: source.title,
          documentId: documentOf.get(source.chunkId),
        }));
      } catch (error) {
        // The agent failed this question (its turn failed for good): a result, not a crash.
        if (!(error instanceof WorkflowUpdateFailedError)) throw error;
        record.answerError = causeChain(error.cause ?? error).slice(0, 500);
      }
      await collections.results.updateOne(
        { _id: resultId },
        { $setOnInsert: record },
        { upsert: true },
      );
      return { ok: record.answer !== undefined };
    },

    /** Scores one answer with every metric and stores the scores. */
    async scoreEvaluationItem(input: {
      runId: string;
      itemId: string;
      k: number;
    }): Promise<{ scored: boolean }> {
      const resultId = `${input.runId}:${input.itemId}`;
      const result = await collections.results.findOne({ _id: resultId });
      if (!result) throw new SecondBrainError('notFound', `No answer stored for ${resultId}`);
      if (result.scores) return { scored: true };
      if (result.answer === undefined) return { scored: false };
      const judge = dependencies.judge;
      if (!judge) throw missingModel('judge model');
      const run = await runRecord(input.runId);
      const item = await datasetItem(run, input.itemId);
      const steps = await db
        .collection<StepRecord>(COLLECTIONS.agentSteps)
        .find({ turnId: result.turnId, kind: 'tool' })
        .toArray();
      steps.sort((a, b) => a.step - b.step || (a.index ?? 0) - (b.index ?? 0));
      const searches = steps.filter((step) => step.call?.name === 'search_knowledge_base');
      const sources = steps.flatMap((step) => step.sources ?? []);
      // Retrieval is judged on the first search (the question itself when searching first).
      const ranked = (searches[0]?.sources ?? []).map((source) => source.documentId);
      const cited = new Set((result.sources ?? []).map((source) => source.n));
      const contexts = [
        ...sources.filter((source) => cited.has(source.n)),
        ...sources.filter((source) => !cited.has(source.n)),
      ].map((source) => source.text);
      const scorer = createEvaluationScorer(judge);
      const context = Context.current();
      const { scores, errors } = await withHeartbeat(() =>
        scorer.score(
          {
            question: item.question,
            answer: result.answer!,
            contexts,
            retrievedDocumentIds: ranked,
            relevantDocumentIds: item.sourceDocumentIds,
            k: input.k,
          },
          () => context.heartbeat(),
        ),
      );
      Object.assign(scores, deterministicScores(item, result, sources));
      const trace = await db
        .collection<{ _id: string; type: string; turnId?: string }>(COLLECTIONS.traces)
        .findOne({ type: 'trace', turnId: result.turnId });
      await collections.results.updateOne(
        { _id: resultId },
        {
          $set: {
            scores,
            errors,
            scoredAt: new Date(),
            ...(trace ? { traceId: trace._id } : {}),
          },
        },
      );
      return { scored: true };
    },

    /** Aggregates the run, compares it with the previous one, and stores the report. */
    async finishEvaluationRun(input: { runId: string }): Promise<EvaluationMetricsResult> {
      const run = await runRecord(input.runId);
      const results = await collections.results.find({ runId: input.runId }).toArray();
      const scored = results.filter(
        (result): result is EvaluationResultRecord & { scores: ItemScores } =>
          result.scores !== undefined,
      );
      const metrics = run.metrics ?? aggregateScores(scored.map((result) => result.scores));
      // Decided once: a retried finish compares with the same previous run.
      let previousRunId = run.previousRunId;
      if (previousRunId === undefined) {
        const [previous] = await collections.runs
          .find({
            datasetName: run.datasetName,
            status: 'completed',
            _id: { $ne: input.runId },
          })
          .sort({ finishedAt: -1 })
          .limit(1)
          .toArray();
        previousRunId = previous?._id ?? null;
      }
      const previous = previousRunId
        ? await collections.runs.findOne({ _id: previousRunId })
        : null;
      const comparisons = compareRuns(metrics, previous?.metrics);
      const prefix = runPrefix('eval', input.runId);
      const reportKey = `${prefix}${EVALUATION_REPORT_FILES.report}`;
      const chartKey = `${prefix}${EVALUATION_REPORT_FILES.chart}`;
      await storage.putObject(
        reportKey,
        comparisonMarkdown({
          runId: input.runId,
          previousRunId,
          datasetName: run.datasetName,
          datasetVersion: run.datasetVersion,
          questions: run.itemIds.length,
          judge: run.judge,
          comparisons,
        }),
        'text/markdown; charset=utf-8',
      );
      await storage.putObject(chartKey, comparisonChartSvg(comparisons), 'image/svg+xml');

      let opik = run.opik;
      if (dependencies.opik && (!opik || 'error' in opik)) {
        try {
          const dataset = await findEvaluationDataset(db, run.datasetName, run.datasetVersion);
          const linked = scored.filter(
            (result): result is typeof result & { traceId: string } => result.traceId !== undefined,
          );
          const { experimentId } = await recordOpikExperiment(dependencies.opik, {
            runId: input.runId,
            datasetName: run.datasetName,
            datasetCreatedAt: dataset?.createdAt ?? run.startedAt,
            startedAt: run.startedAt,
            projectName: config.opik.projectName,
            metadata: {
              datasetVersion: run.datasetVersion,
              judge: run.judge,
              ...run.settings,
            },
            items: linked.map((result) => ({
              itemId: result.itemId,
              traceId: result.traceId,
              scores: result.scores,
            })),
          });
          opik = { experimentId, datasetId: dataset?.opik?.datasetId ?? '' };
        } catch (error) {
          log.warn('The evaluation run could not be recorded as an Opik experiment', {
            runId: input.runId,
            error: errorMessage(error),
          });
          opik = { error: errorMessage(error).slice(0, 300) };
        }
      }
      const answered = results.filter((result) => result.answer !== undefined).length;
      await collections.runs.updateOne(
        { _id: input.runId },
        {
          $set: {
            status: 'completed',
            finishedAt: run.finishedAt ?? new Date(),
            answered,
            failed: run.itemIds.length - answered,
            metrics,
            previousRunId,
            comparisons,
            reportPrefix: prefix,
            ...(opik ? { opik } : {}),
          },
        },
      );
      log.info('Evaluation run finished', { runId: input.runId, answered });
      return {
        runId: input.runId,
        datasetName: run.datasetName,
        datasetVersion: run.datasetVersion,
        questions: run.itemIds.length,
        answered,
        failed: run.itemIds.length - answered,
        judge: run.judge,
        metrics: Object.fromEntries(
          METRIC_NAMES.map((name) => [name, metrics[name].mean]),
        ) as EvaluationMetricsResult['metrics'],
        counts: Object.fromEntries(
          METRIC_NAMES.map((name) => [name, metrics[name].count]),
        ) as EvaluationMetricsResult['counts'],
        previousRunId,
        comparison: comparisons.map(({ metric, previous: before, current, delta, verdict }) => ({
          metric,
          previous: before,
          current,
          delta,
          verdict,
        })),
        reportKey,
        chartKey,
        ...(opik && 'experimentId' in opik ? { opikExperimentId: opik.experimentId } : {}),
      };
    },
  };
}
