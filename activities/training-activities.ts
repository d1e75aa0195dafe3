// Activities of fineTune: find the dataset version, launch the training job once per launch
// key, watch it to the end (logs streamed, latest step and loss heartbeated, resumed by the
// next worker after a crash), cancel it, score summarizers with ROUGE, register the model
// and push its card. Job records live in `training_jobs`, models in `models`.
import { CancelledFailure, Context, log } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/environment.js';
import type { DatasetRegistryEntry } from './dataset-activities.js';
import { DATASET_FILES } from '../domain/dataset-card.js';
import { SecondBrainError } from '../domain/errors.js';
import { lossCurveSvg } from '../domain/loss-chart.js';
import { MODEL_FILES, renderModelCard, type SummarizerEvaluation } from '../domain/model-card.js';
import { COLLECTIONS, STORAGE_PREFIXES } from '../domain/names.js';
import { meanRougeScores, rougeScores, type RougeScores } from '../domain/rouge.js';
import { datasetVersionPrefix, runPrefix } from '../domain/storage-layout.js';
import type { TrainingConfig, TrainingProgramConfig } from '../domain/training-config.js';
import {
  classifyTrainingFailure,
  lastErrorLine,
  parseTrainingLine,
  TrainingOutput,
  type DryRunEvent,
  type TrainingMetric,
  type TrainingResultEvent,
} from '../domain/training-log.js';
import type { HubRepositories } from '../integrations/huggingface/hub-repositories.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import { createEndpointUsage } from '../integrations/llm/endpoint-usage.js';
import {
  createChatSummarizer,
  createEndpointSummarizer,
  type Summarizer,
} from '../integrations/llm/summarizer.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';
import type { ObjectStorage } from '../integrations/s3/object-storage.js';
import type {
  TrainingBackend,
  TrainingBackendName,
} from '../integrations/training/training-backend.js';

/** One launch of a training job (collection training_jobs), keyed by workflow and launch. */
export interface TrainingJobRecord {
  _id: string;
  workflowId: string;
  backend: TrainingBackendName;
  jobId: string;
  /** The Jobs namespace (hf-jobs), so every later call addresses the same job. */
  namespace: string | null;
  flavor: string;
  dryRun: boolean;
  timeoutMinutes: number;
  dataset: { name: string; version: string };
  outputRepo: string | null;
  launchedAt: Date;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  latest?: { step: number; loss: number } | null;
  failure?: { kind: string; message: string } | null;
  finishedAt?: Date;
}

/** One registered model (collection models). */
export interface ModelRegistryEntry {
  _id: string;
  repoId: string;
  revision: string | null;
  workflowId: string;
  launchKey: string;
  jobId: string;
  backend: TrainingBackendName;
  flavor: string;
  dataset: { name: string; version: string; hubRepo: string | null };
  config: TrainingConfig;
  lossCurve: TrainingMetric[];
  steps: number;
  finalLoss: number | null;
  evaluation: { fineTuned: SummarizerEvaluation | null; teacher: SummarizerEvaluation | null };
  files: { card: string; lossChart: string; metrics: string };
  card: { pushed: boolean; repo: string | null; commitOid: string | null };
  createdAt: Date;
}

export interface TrainingDataset {
  datasetName: string;
  version: string;
  prefix: string;
  counts: { train: number; validation: number; test: number };
  hubRepo: string | null;
}

export type AwaitTrainingResult =
  | {
      outcome: 'succeeded';
      jobId: string;
      metricsKey: string;
      steps: number;
      finalLoss: number | null;
      result: TrainingResultEvent | null;
      dryRun: DryRunEvent | null;
    }
  | { outcome: 'infrastructureFailure'; jobId: string; message: string };

/** The fine-tuned model's endpoint (the input's, else SUMMARIZER_ENDPOINT_URL), or the teacher. */
export type SummarizerChoice =
  { kind: 'endpoint'; url?: string; model?: string } | { kind: 'teacher' };

/** Builds the backend a job runs on; the worker wires the real ones, tests may wrap them. */
export type TrainingBackendFactory = (
  name: TrainingBackendName,
  options: { namespace: string | null },
) => TrainingBackend;

/** How often a watching activity heartbeats between polls, so a dead worker is noticed fast. */
const HEARTBEAT_INTERVAL_MS = 2_000;

export function metricsKey(launchKey: string): string {
  return `${runPrefix('train', encodeURIComponent(launchKey))}metrics.jsonl`;
}

export function modelPrefix(modelId: string): string {
  return `${STORAGE_PREFIXES.models}${modelId.replace(/[^A-Za-z0-9_.@-]+/g, '_')}/`;
}

function failureFor(
  kind: ReturnType<typeof classifyTrainingFailure>,
  record: TrainingJobRecord,
  detail: string,
): SecondBrainError {
  const details = { failure: kind, jobId: record.jobId, backend: record.backend };
  switch (kind) {
    case 'outOfMemory':
      return new SecondBrainError(
        'permanent',
        `Training ran out of GPU memory on ${record.backend === 'hf-jobs' ? record.flavor : 'the local GPU'} (${detail}): set config.loadIn4bit, lower maxSeqLength or perDeviceTrainBatchSize, or pick a larger flavor (l40sx1, a100-large)`,
        { details },
      );
    case 'timeout':
      return new SecondBrainError(
        'permanent',
        `Training job ${record.jobId} exceeded its timeout of ${record.timeoutMinutes} minutes (${detail}): raise timeoutMinutes or train fewer steps`,
        { details },
      );
    case 'auth':
      return new SecondBrainError(
        'auth',
        `Training job ${record.jobId} was refused by the Hugging Face Hub (${detail}): HF_TOKEN needs write access to the output repo and access to the base model`,
        { details },
      );
    case 'config':
      return new SecondBrainError(
        'validation',
        `The training program rejected its config: ${detail}`,
        {
          details,
        },
      );
    default:
      return new SecondBrainError('permanent', `Training job ${record.jobId} failed: ${detail}`, {
        details,
      });
  }
}

export function createTrainingActivities({
  config,
  storage,
  mongo,
  backends,
  llm,
  modelProblems = [],
  modelHub,
}: {
  config: Pick<Config, 'training' | 'summarizer' | 'huggingFaceHub' | 'models'>;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  backends: TrainingBackendFactory;
  /** The teacher, for comparisons: the worker's chat model. */
  llm?: ChatModel;
  modelProblems?: string[];
  /** Publishes to model repos (the model card); undefined without HF_TOKEN. */
  modelHub?: HubRepositories;
}) {
  const registry = mongo.db.collection<DatasetRegistryEntry>(COLLECTIONS.datasets);
  const jobs = mongo.db.collection<TrainingJobRecord>(COLLECTIONS.trainingJobs);
  const models = mongo.db.collection<ModelRegistryEntry>(COLLECTIONS.models);
  const endpointUsage = createEndpointUsage(mongo.db);

  async function jobRecord(launchKey: string): Promise<TrainingJobRecord> {
    const record = await jobs.findOne({ _id: launchKey });
    if (!record) {
      throw new SecondBrainError('notFound', `No training job was launched under ${launchKey}`);
    }
    return record;
  }

  function backendFor(record: Pick<TrainingJobRecord, 'backend' | 'namespace'>): TrainingBackend {
    return backends(record.backend, { namespace: record.namespace });
  }

  async function readSplit(
    datasetName: string,
    version: string,
    split: 'train' | 'validation' | 'test',
  ) {
    const key = `${datasetVersionPrefix(datasetName, version)}${DATASET_FILES[split]}`;
    const object = await storage.getObject(key);
    if (!object) throw new SecondBrainError('notFound', `Dataset file ${key} is missing in S3`);
    return object.body;
  }

  /** Reads the whole output (from the start) and keeps the events; a reconnect replays. */
  async function readOutput(backend: TrainingBackend, jobId: string, signal: AbortSignal) {
    const output = new TrainingOutput();
    for await (const line of backend.logs(jobId, signal)) output.add(line);
    return output;
  }

  function summarizerFor(choice: SummarizerChoice): Summarizer | undefined {
    if (choice.kind === 'endpoint') {
      const url = choice.url ?? config.summarizer.endpointUrl;
      if (url === undefined) return undefined;
      return createEndpointSummarizer({
        url,
        model: choice.model ?? config.summarizer.endpointModel,
        apiKey: config.huggingFaceHub.token,
        timeoutMs: config.models.llm.timeoutMs,
        usage: endpointUsage,
      });
    }
    if (!llm) {
      throw new SecondBrainError(
        'permanent',
        `No chat model is available on this worker to compare with${modelProblems.length > 0 ? ` (${modelProblems.join('; ')})` : ''}`,
      );
    }
    return createChatSummarizer(llm);
  }

  return {
    /** The dataset version to train on: the one named, else the newest of the dataset. */
    async resolveTrainingDataset({
      datasetName,
      datasetVersion,
    }: {
      datasetName: string;
      datasetVersion?: string;
    }): Promise<TrainingDataset> {
      const entry =
        datasetVersion === undefined
          ? (await registry.find({ datasetName }).sort({ createdAt: -1 }).limit(1).toArray())[0]
          : await registry.findOne({ _id: `${datasetName}@${datasetVersion}` });
      if (!entry) {
        throw new SecondBrainError(
          'notFound',
          datasetVersion === undefined
            ? `No version of dataset ${datasetName} exists yet: run \`second-brain run dataset\` first`
            : `Dataset version ${datasetName}@${datasetVersion} does not exist`,
        );
      }
      if (entry.counts.train === 0) {
        throw new SecondBrainError(
          'validation',
          `Dataset version ${entry._id} has no training samples`,
        );
      }
      return {
        datasetName: entry.datasetName,
        version: entry.version,
        prefix: entry.prefix,
        counts: {
          train: entry.counts.train,
          validation: entry.counts.validation,
          test: entry.counts.test,
        },
        hubRepo: entry.hub?.repo ?? null,
      };
    },

    /**
     * Launches the job for this launch key, or returns the one launched before: the record in
     * training_jobs answers a retry, and the backend's own lookup (a Jobs label, a job folder)
     * answers a crash between launching and recording.
     */
    async launchTrainingJob(request: {
      launchKey: string;
      workflowId: string;
      backend: TrainingBackendName;
      dataset: TrainingDataset;
      config: TrainingConfig;
      dryRun: boolean;
      flavor: string;
      timeoutMinutes: number;
    }): Promise<{ jobId: string; launched: boolean }> {
      const existing = await jobs.findOne({ _id: request.launchKey });
      if (existing) return { jobId: existing.jobId, launched: false };
      const outputRepo = request.config.outputRepo ?? config.training.modelRepo ?? null;
      if (!request.dryRun && request.config.pushToHub && outputRepo === null) {
        throw new SecondBrainError(
          'validation',
          'The merged model needs a repo: set config.outputRepo or MODEL_REPO ("namespace/name"), or config.pushToHub: false',
        );
      }
      let namespace: string | null = null;
      if (request.backend === 'hf-jobs') {
        if (config.huggingFaceHub.token === undefined) {
          throw new SecondBrainError(
            'auth',
            'The hf-jobs backend needs HF_TOKEN (a token that may run Jobs)',
          );
        }
        namespace = config.training.jobsNamespace ?? outputRepo?.split('/')[0] ?? null;
        if (namespace === null) {
          throw new SecondBrainError(
            'validation',
            'Hugging Face Jobs need a namespace: set HF_JOBS_NAMESPACE or an output repo',
          );
        }
        if (request.dataset.hubRepo === null) {
          throw new SecondBrainError(
            'validation',
            `Dataset version ${request.dataset.version} is not on the Hub, where the job reads it: publish it first`,
          );
        }
      }
      const programConfig: TrainingProgramConfig = {
        ...request.config,
        outputRepo,
        dataset: {
          localDir: null,
          hubRepo: request.backend === 'hf-jobs' ? request.dataset.hubRepo : null,
          revision: 'main',
        },
        metricsFile: null,
      };
      const datasetFiles =
        request.backend === 'local'
          ? await Promise.all(
              (['train', 'validation', 'test'] as const).map(async (split) => ({
                name: DATASET_FILES[split],
                content: await readSplit(
                  request.dataset.datasetName,
                  request.dataset.version,
                  split,
                ),
              })),
            )
          : undefined;
      const backend = backendFor({ backend: request.backend, namespace });
      const { jobId, launched } = await backend.findOrLaunch({
        launchKey: request.launchKey,
        config: programConfig,
        dryRun: request.dryRun,
        flavor: request.flavor,
        timeoutSeconds: request.timeoutMinutes * 60,
        datasetFiles,
      });
      await jobs.updateOne(
        { _id: request.launchKey },
        {
          $setOnInsert: {
            workflowId: request.workflowId,
            backend: request.backend,
            jobId,
            namespace,
            flavor: request.flavor,
            dryRun: request.dryRun,
            timeoutMinutes: request.timeoutMinutes,
            dataset: { name: request.dataset.datasetName, version: request.dataset.version },
            outputRepo,
            launchedAt: new Date(),
            state: 'running',
          },
        },
        { upsert: true },
      );
      log.info(launched ? 'Launched training job' : 'Found the training job launched before', {
        launchKey: request.launchKey,
        jobId,
        backend: request.backend,
      });
      return { jobId, launched };
    },

    /**
     * Watches the job to its end: polls its state, streams its logs, heartbeats the latest
     * step and loss. A retry (e.g. after a worker restart) watches the same job again. When
     * the activity is cancelled, the job is cancelled.
     */
    async awaitTrainingJob({
      launchKey,
      pollIntervalSeconds,
    }: {
      launchKey: string;
      pollIntervalSeconds: number;
    }): Promise<AwaitTrainingResult> {
      const context = Context.current();
      const record = await jobRecord(launchKey);
      const backend = backendFor(record);
      const resumedAt = context.info.heartbeatDetails as { step?: number } | undefined;
      if (context.info.attempt > 1) {
        log.info('Resuming the watch of a training job', { jobId: record.jobId, ...resumedAt });
      }
      const live = new TrainingOutput();
      const heartbeat = () => {
        const latest = live.latest;
        context.heartbeat({
          jobId: record.jobId,
          step: latest?.step ?? null,
          loss: latest?.loss ?? null,
        });
      };
      const stop = new AbortController();
      const onCancel = () => stop.abort();
      context.cancellationSignal.addEventListener('abort', onCancel);
      // The log stream feeds the heartbeats; it reconnects when it drops while the job runs.
      const reader = (async () => {
        while (!stop.signal.aborted) {
          try {
            // Each connection replays from the start: metrics are keyed by step, so no double count.
            for await (const line of backend.logs(record.jobId, stop.signal)) {
              if (parseTrainingLine(line)?.event === 'metrics') live.add(line);
            }
          } catch (error) {
            log.warn('Training log stream dropped; reconnecting', { error: String(error) });
          }
          await sleep(1_000, undefined, { signal: stop.signal }).catch(() => undefined);
        }
      })();
      const ticker = setInterval(heartbeat, HEARTBEAT_INTERVAL_MS);
      const startedAt = record.launchedAt.getTime();
      let lastLogged = -1;
      try {
        for (;;) {
          if (context.cancellationSignal.aborted) throw new CancelledFailure('Activity cancelled');
          const status = await backend.status(record.jobId);
          heartbeat();
          const latest = live.latest;
          if (latest && latest.step !== lastLogged) {
            lastLogged = latest.step;
            log.info('Training progress', {
              jobId: record.jobId,
              step: latest.step,
              loss: latest.loss,
            });
            await jobs.updateOne(
              { _id: launchKey },
              { $set: { latest: { step: latest.step, loss: latest.loss } } },
            );
          }
          if (status.state !== 'running') break;
          // Hugging Face Jobs enforce their timeout; a local process is stopped here.
          if (
            record.backend === 'local' &&
            Date.now() - startedAt > record.timeoutMinutes * 60_000
          ) {
            await backend.cancel(record.jobId);
            await jobs.updateOne(
              { _id: launchKey },
              {
                $set: {
                  state: 'failed',
                  failure: { kind: 'timeout', message: 'timed out' },
                  finishedAt: new Date(),
                },
              },
            );
            throw failureFor('timeout', record, 'stopped by the local backend');
          }
          await sleep(pollIntervalSeconds * 1_000, undefined, {
            signal: context.cancellationSignal,
          }).catch(() => undefined);
        }
      } catch (error) {
        if (context.cancellationSignal.aborted || error instanceof CancelledFailure) {
          // Cancelling the workflow cancels the job: nobody pays for a GPU nobody waits for.
          log.info('Cancelling the training job', { jobId: record.jobId });
          await backend.cancel(record.jobId);
          await jobs.updateOne(
            { _id: launchKey },
            { $set: { state: 'cancelled', finishedAt: new Date() } },
          );
        }
        throw error;
      } finally {
        clearInterval(ticker);
        stop.abort();
        context.cancellationSignal.removeEventListener('abort', onCancel);
        await reader;
      }

      // The authoritative read: the whole output once more, now that it is complete.
      const output = await readOutput(backend, record.jobId, context.cancellationSignal);
      const status = await backend.status(record.jobId);
      const key = metricsKey(launchKey);
      await storage.putObject(
        key,
        output.metrics.map((metric) => JSON.stringify(metric)).join('\n') +
          (output.metrics.length > 0 ? '\n' : ''),
        'application/x-ndjson',
      );
      await storage.putObject(
        `${runPrefix('train', encodeURIComponent(launchKey))}output-tail.log`,
        `${output.tail.join('\n')}\n`,
        'text/plain; charset=utf-8',
      );
      if (status.state === 'succeeded') {
        const latest = output.latest;
        await jobs.updateOne(
          { _id: launchKey },
          {
            $set: {
              state: 'succeeded',
              latest: latest ? { step: latest.step, loss: latest.loss } : null,
              finishedAt: new Date(),
            },
          },
        );
        log.info('Training job succeeded', { jobId: record.jobId, steps: output.metrics.length });
        return {
          outcome: 'succeeded',
          jobId: record.jobId,
          metricsKey: key,
          steps: output.metrics.length,
          finalLoss: latest?.loss ?? null,
          result: output.result ?? null,
          dryRun: output.dryRun ?? null,
        };
      }
      if (status.state === 'cancelled') {
        await jobs.updateOne(
          { _id: launchKey },
          { $set: { state: 'cancelled', finishedAt: new Date() } },
        );
        throw new SecondBrainError(
          'permanent',
          `Training job ${record.jobId} was cancelled outside this workflow`,
        );
      }
      const kind = classifyTrainingFailure(status.message, output.tail);
      const detail = [status.message, lastErrorLine(output.tail)].filter(Boolean).join(': ');
      await jobs.updateOne(
        { _id: launchKey },
        { $set: { state: 'failed', failure: { kind, message: detail }, finishedAt: new Date() } },
      );
      log.warn('Training job failed', { jobId: record.jobId, kind, detail });
      if (kind === 'infrastructure')
        return { outcome: 'infrastructureFailure', jobId: record.jobId, message: detail };
      throw failureFor(kind, record, detail);
    },

    /** Cancels the job of a launch, if it still runs (the workflow's cancellation path). */
    async cancelTrainingJob({ launchKey }: { launchKey: string }): Promise<{ cancelled: boolean }> {
      const record = await jobs.findOne({ _id: launchKey });
      if (!record) return { cancelled: false };
      const backend = backendFor(record);
      const status = await backend.status(record.jobId);
      if (status.state === 'running') await backend.cancel(record.jobId);
      await jobs.updateOne(
        { _id: launchKey },
        { $set: { state: 'cancelled', finishedAt: new Date() } },
      );
      log.info('Cancelled training job', {
        jobId: record.jobId,
        wasRunning: status.state === 'running',
      });
      return { cancelled: status.state === 'running' };
    },

    /**
     * Scores a summarizer with ROUGE-1/2/L against the test split's reference answers. The
     * same scorer serves the fine-tuned model and the teacher, so they compare directly.
     */
    async evaluateSummarizer({
      datasetName,
      version,
      summarizer: choice,
      maxSamples,
      label,
    }: {
      datasetName: string;
      version: string;
      summarizer: SummarizerChoice;
      maxSamples: number;
      /** How the evaluation is named in the registry and the model card. */
      label: string;
    }): Promise<SummarizerEvaluation | null> {
      const context = Context.current();
      const summarizer = summarizerFor(choice);
      if (summarizer === undefined) {
        log.info('No endpoint serves the fine-tuned model: evaluation skipped', { label });
        return null;
      }
      const rows = (await readSplit(datasetName, version, 'test'))
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .slice(0, maxSamples)
        .map((line) => JSON.parse(line) as { instruction: string; answer: string });
      // A retry resumes after the samples already scored.
      const resumed = context.info.heartbeatDetails as
        { next: number; scores: RougeScores[]; failed: number } | undefined;
      const scores = resumed?.scores ?? [];
      let failed = resumed?.failed ?? 0;
      for (let index = resumed?.next ?? 0; index < rows.length; index++) {
        context.heartbeat({ next: index, scores, failed });
        const row = rows[index]!;
        try {
          const prediction = await summarizer.summarize(row.instruction);
          scores.push(rougeScores(row.answer, prediction));
        } catch (error) {
          // A sample the model refuses counts as failed; outages and auth go to Temporal.
          if (
            error instanceof SecondBrainError &&
            (error.kind === 'permanent' || error.kind === 'validation')
          ) {
            failed++;
            continue;
          }
          throw error;
        }
      }
      const evaluation: SummarizerEvaluation = {
        summarizer: label,
        samples: rows.length,
        failed,
        scores: meanRougeScores(scores),
      };
      log.info('Evaluated summarizer', {
        summarizer: label,
        samples: rows.length,
        rouge1: evaluation.scores.rouge1.fmeasure,
        rougeL: evaluation.scores.rougeL.fmeasure,
      });
      return evaluation;
    },

    /**
     * Records the model in the registry with its loss curve and evaluation, and stores its
     * card, loss chart and metrics in S3. Keyed by repo and revision: a retry rewrites the same.
     */
    async registerModel(request: {
      launchKey: string;
      workflowId: string;
      jobId: string;
      backend: TrainingBackendName;
      flavor: string;
      dataset: TrainingDataset;
      config: TrainingConfig;
      result: TrainingResultEvent | null;
      metricsKey: string;
      evaluation: { fineTuned: SummarizerEvaluation | null; teacher: SummarizerEvaluation | null };
    }): Promise<{ modelId: string; repoId: string; revision: string | null; prefix: string }> {
      const record = await jobRecord(request.launchKey);
      const repoId = request.result?.repoId ?? record.outputRepo ?? request.config.outputRepo;
      if (!repoId) {
        throw new SecondBrainError('validation', 'The training run reported no model repo');
      }
      const revision = request.result?.revision ?? null;
      const modelId = `${repoId}@${revision ?? request.launchKey}`;
      const metricsObject = await storage.getObject(request.metricsKey);
      const lossCurve = (metricsObject?.body.toString('utf8') ?? '')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as TrainingMetric);
      await models.updateOne(
        { _id: modelId },
        {
          $set: {
            repoId,
            revision,
            workflowId: request.workflowId,
            launchKey: request.launchKey,
            jobId: request.jobId,
            backend: request.backend,
            flavor: request.flavor,
            dataset: {
              name: request.dataset.datasetName,
              version: request.dataset.version,
              hubRepo: request.dataset.hubRepo,
            },
            config: request.config,
            lossCurve,
            steps: lossCurve.length,
            finalLoss: lossCurve.at(-1)?.loss ?? null,
            evaluation: request.evaluation,
          },
          $setOnInsert: {
            card: { pushed: false, repo: null, commitOid: null },
            createdAt: new Date(),
          },
        },
        { upsert: true },
      );
      const entry = (await models.findOne({ _id: modelId }))!;
      const prefix = modelPrefix(modelId);
      const files = {
        card: `${prefix}${MODEL_FILES.card}`,
        lossChart: `${prefix}${MODEL_FILES.lossChart}`,
        metrics: `${prefix}${MODEL_FILES.metrics}`,
      };
      const card = renderModelCard({
        repoId,
        revision,
        baseModel: request.config.baseModel,
        dataset: {
          name: request.dataset.datasetName,
          version: request.dataset.version,
          hubRepo: request.dataset.hubRepo,
          train: request.dataset.counts.train,
          test: request.dataset.counts.test,
        },
        config: request.config,
        backend: request.backend,
        flavor: request.backend === 'hf-jobs' ? request.flavor : null,
        steps: lossCurve.length,
        finalLoss: lossCurve.at(-1)?.loss ?? null,
        evaluations: [request.evaluation.fineTuned, request.evaluation.teacher].filter(
          (item): item is SummarizerEvaluation => item !== null,
        ),
        createdAt: entry.createdAt.toISOString(),
      });
      await storage.putObject(files.card, card, 'text/markdown; charset=utf-8');
      await storage.putObject(
        files.lossChart,
        lossCurveSvg({ title: `Training loss: ${repoId}`, metrics: lossCurve }),
        'image/svg+xml',
      );
      await storage.putObject(files.metrics, metricsObject?.body ?? '', 'application/x-ndjson');
      await models.updateOne({ _id: modelId }, { $set: { files } });
      log.info('Registered model', { modelId, steps: lossCurve.length });
      return { modelId, repoId, revision, prefix };
    },

    /** Pushes the card and the loss curve to the model repo; unchanged files make no commit. */
    async pushModelCard({
      modelId,
    }: {
      modelId: string;
    }): Promise<{ repo: string; pushed: boolean; committed: boolean; note?: string }> {
      const entry = await models.findOne({ _id: modelId });
      if (!entry) throw new SecondBrainError('notFound', `Model ${modelId} is not registered`);
      if (!modelHub) {
        // A local run without a token still registers the model; the card waits in S3.
        const note = 'HF_TOKEN is not set: the model card stays in S3';
        log.warn(note, { modelId });
        return { repo: entry.repoId, pushed: false, committed: false, note };
      }
      const files = [];
      for (const [name, key] of [
        [MODEL_FILES.card, entry.files.card],
        [MODEL_FILES.lossChart, entry.files.lossChart],
      ] as const) {
        const object = await storage.getObject(key);
        if (!object) throw new SecondBrainError('notFound', `Model file ${key} is missing in S3`);
        files.push({ path: name, content: new Uint8Array(object.body) });
      }
      const published = await modelHub.publish(entry.repoId, files, `Model card for ${modelId}`);
      await models.updateOne(
        { _id: modelId },
        {
          $set: {
            card: {
              pushed: true,
              repo: entry.repoId,
              commitOid: published.commitOid ?? entry.card.commitOid,
            },
          },
        },
      );
      return { repo: entry.repoId, pushed: true, committed: published.committed };
    },
  };
}
