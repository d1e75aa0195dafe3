import { log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import { lossCurveSvg } from '../../domain/loss-chart.js';
import { modelPrefix, type TrainingDataset } from '../../domain/fine-tune.js';
import {
  MODEL_FILES,
  renderModelCard,
  type SummarizerEvaluation,
} from '../../domain/model-card.js';
import type { TrainingConfig } from '../../domain/training-config.js';
import type { TrainingMetric, TrainingResultEvent } from '../../domain/training-log.js';
import type { ModelEvaluations } from '../../integrations/mongo/stores/model-registry.js';
import type { TrainingBackendName } from '../../integrations/training/training-backend.js';
import type { FineTuneDependencies } from './dependencies.js';

export interface RegisterModelRequest {
  launchKey: string;
  workflowId: string;
  jobId: string;
  backend: TrainingBackendName;
  flavor: string;
  dataset: TrainingDataset;
  config: TrainingConfig;
  result: TrainingResultEvent | null;
  metricsKey: string;
  evaluation: ModelEvaluations;
}

/**
 * Records the model in the registry with its loss curve and evaluation, and stores its
 * card, loss chart and metrics in S3. Keyed by repo and revision: a retry rewrites the same.
 */
export function registerModel({
  storage,
  trainingJobs,
  modelRegistry,
}: Pick<FineTuneDependencies, 'storage' | 'trainingJobs' | 'modelRegistry'>) {
  return async function registerModel(
    request: RegisterModelRequest,
  ): Promise<{ modelId: string; repoId: string; revision: string | null; prefix: string }> {
    const record = await trainingJobs.get(request.launchKey);
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
    const finalLoss = lossCurve.at(-1)?.loss ?? null;
    const dataset = {
      name: request.dataset.datasetName,
      version: request.dataset.version,
      hubRepo: request.dataset.hubRepo,
    };
    const entry = await modelRegistry.register(modelId, {
      repoId,
      revision,
      workflowId: request.workflowId,
      launchKey: request.launchKey,
      jobId: request.jobId,
      backend: request.backend,
      flavor: request.flavor,
      dataset,
      config: request.config,
      lossCurve,
      steps: lossCurve.length,
      finalLoss,
      evaluation: request.evaluation,
    });
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
        ...dataset,
        train: request.dataset.counts.train,
        test: request.dataset.counts.test,
      },
      config: request.config,
      backend: request.backend,
      flavor: request.backend === 'hf-jobs' ? request.flavor : null,
      steps: lossCurve.length,
      finalLoss,
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
    await modelRegistry.recordFiles(modelId, files);
    log.info('Registered model', { modelId, steps: lossCurve.length });
    return { modelId, repoId, revision, prefix };
  };
}
