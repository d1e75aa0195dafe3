// Evaluation in Opik, through the SDK's REST client: a dataset version becomes an Opik dataset
// (items keyed by stable ids, so re-syncing overwrites), and a finished run becomes an
// experiment whose items link each dataset item to the agent turn's trace, with every metric
// as a feedback score on that trace. Ids are stable v7 UUIDs, so a retried activity writes the
// same objects again.
import type { Opik } from 'opik';
import { METRIC_NAMES, type EvaluationItem, type ItemScores } from '../../domain/evaluation.js';
import { stableUuidV7 } from '../../domain/tracing.js';
import { OPIK_REQUEST_OPTIONS } from '../tracing/opik-client.js';

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function opikDatasetItemId(datasetName: string, itemId: string, time: number): string {
  return stableUuidV7(`evaluation-item:${datasetName}:${itemId}`, time);
}

/** Creates the Opik dataset (or finds it by name) and writes the version's items into it. */
export async function syncDatasetToOpik(
  client: Opik,
  options: {
    name: string;
    version: string;
    items: readonly EvaluationItem[];
    createdAt: Date;
    projectName: string;
  },
): Promise<{ datasetId: string }> {
  const time = options.createdAt.getTime();
  let datasetId = stableUuidV7(`evaluation-dataset:${options.name}`, time);
  try {
    await client.api.datasets.createDataset(
      {
        id: datasetId,
        name: options.name,
        description: `Second Brain evaluation questions (version ${options.version})`,
      },
      OPIK_REQUEST_OPTIONS,
    );
  } catch (error) {
    // The name exists (an earlier version, or made in the Opik UI): write into that dataset.
    if (statusOf(error) !== 409) throw error;
    const existing = await client.api.datasets.getDatasetByIdentifier(
      { datasetName: options.name },
      OPIK_REQUEST_OPTIONS,
    );
    datasetId = existing.id ?? datasetId;
  }
  for (let start = 0; start < options.items.length; start += 500) {
    await client.api.datasets.createOrUpdateDatasetItems(
      {
        datasetId,
        items: options.items.slice(start, start + 500).map((item) => ({
          id: opikDatasetItemId(options.name, item.id, time),
          source: 'sdk' as const,
          data: {
            item_id: item.id,
            question: item.question,
            ...(item.referenceAnswer ? { reference_answer: item.referenceAnswer } : {}),
            source_document_ids: item.sourceDocumentIds,
            dataset_version: options.version,
          },
        })),
      },
      OPIK_REQUEST_OPTIONS,
    );
  }
  return { datasetId };
}

export interface ExperimentItemInput {
  itemId: string;
  traceId: string;
  scores: ItemScores;
}

/** Records a run as an Opik experiment: items linked to traces, metrics as feedback scores. */
export async function recordOpikExperiment(
  client: Opik,
  options: {
    runId: string;
    datasetName: string;
    datasetCreatedAt: Date;
    /** The run's start: the time part of the experiment's ids. */
    startedAt: Date;
    projectName: string;
    metadata: Record<string, unknown>;
    items: readonly ExperimentItemInput[];
  },
): Promise<{ experimentId: string }> {
  const time = options.datasetCreatedAt.getTime();
  const experimentId = stableUuidV7(`evaluation-run:${options.runId}`, options.startedAt.getTime());
  try {
    await client.api.experiments.createExperiment(
      {
        id: experimentId,
        datasetName: options.datasetName,
        name: options.runId,
        projectName: options.projectName,
        metadata: options.metadata,
      },
      OPIK_REQUEST_OPTIONS,
    );
  } catch (error) {
    // A retried activity: the experiment was created by the attempt before.
    if (statusOf(error) !== 409) throw error;
  }
  for (let start = 0; start < options.items.length; start += 50) {
    await client.api.experiments.createExperimentItems(
      {
        experimentItems: options.items.slice(start, start + 50).map((item) => ({
          id: stableUuidV7(
            `evaluation-run-item:${options.runId}:${item.itemId}`,
            options.startedAt.getTime(),
          ),
          experimentId,
          datasetItemId: opikDatasetItemId(options.datasetName, item.itemId, time),
          traceId: item.traceId,
          projectName: options.projectName,
        })),
      },
      OPIK_REQUEST_OPTIONS,
    );
  }
  const scores = options.items.flatMap((item) =>
    METRIC_NAMES.flatMap((name) => {
      const score = item.scores[name];
      return score
        ? [
            {
              id: item.traceId,
              name,
              value: score.value,
              reason: score.reason.slice(0, 500),
              source: 'sdk' as const,
              projectName: options.projectName,
            },
          ]
        : [];
    }),
  );
  for (let start = 0; start < scores.length; start += 500)
    await client.api.traces.scoreBatchOfTraces(
      { scores: scores.slice(start, start + 500) },
      OPIK_REQUEST_OPTIONS,
    );
  return { experimentId };
}
