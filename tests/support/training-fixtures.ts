// Fixtures of the fineTune tests: a dataset version in the data registry (S3 splits and a
// `datasets` entry, as generateDataset leaves them), and an endpoint that serves "the
// fine-tuned model" over the OpenAI-compatible completions route a TGI endpoint offers.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { DatasetRegistryEntry } from '../../integrations/mongo/stores/dataset-registry.js';
import { DATASET_FILES } from '../../domain/dataset-card.js';
import { COLLECTIONS } from '../../domain/names.js';
import { datasetVersionPrefix } from '../../domain/storage-layout.js';
import type { MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';
import { ScriptedHttpServer } from '../emulators/scripted-http-server.js';
import { repositoryRoot } from './test-environment.js';

export interface DatasetRow {
  instruction: string;
  answer: string;
}

/** The stand-in training command the `local` backend runs in tests (TRAINING_LOCAL_COMMAND). */
export const STAND_IN_TRAINING_COMMAND = `${process.execPath} --import tsx ${path.join(repositoryRoot, 'tests/support/stand-in-training-command.ts')}`;

export function datasetRows(split: string, count: number): DatasetRow[] {
  return Array.from({ length: count }, (_, index) => ({
    instruction: `# ${split} document ${index}\n\nTemporal workflows retry activities durably; document ${index} explains heartbeats and timeouts in ${split}.`,
    answer: `## ${split} ${index}\n\n- Temporal retries activities durably.\n- Heartbeats detect dead workers in document ${index}.`,
  }));
}

export async function seedDatasetVersion(
  mongo: MongoDatabase,
  storage: ObjectStorage,
  options: {
    datasetName: string;
    version: string;
    createdAt: Date;
    splits?: { train: number; validation: number; test: number };
  },
): Promise<Record<'train' | 'validation' | 'test', DatasetRow[]>> {
  const sizes = options.splits ?? { train: 16, validation: 2, test: 4 };
  const prefix = datasetVersionPrefix(options.datasetName, options.version);
  const rows = {
    train: datasetRows('train', sizes.train),
    validation: datasetRows('validation', sizes.validation),
    test: datasetRows('test', sizes.test),
  };
  for (const split of ['train', 'validation', 'test'] as const) {
    await storage.putObject(
      `${prefix}${DATASET_FILES[split]}`,
      rows[split].map((row) => JSON.stringify(row)).join('\n') + '\n',
      'application/x-ndjson',
    );
  }
  for (const name of [DATASET_FILES.card, DATASET_FILES.lengthChart, DATASET_FILES.qualityChart]) {
    await storage.putObject(`${prefix}${name}`, `${name} of ${options.version}\n`, 'text/plain');
  }
  await mongo.db.collection<DatasetRegistryEntry>(COLLECTIONS.datasets).insertOne({
    _id: `${options.datasetName}@${options.version}`,
    datasetName: options.datasetName,
    version: options.version,
    prefix,
    files: Object.values(DATASET_FILES),
    sourceFilter: { collection: 'raw', minQualityScore: 0.3, minChars: 50, limit: null },
    counts: { ...sizes, documents: sizes.train, dropped: {} },
    teacher: { provider: 'recorded', model: 'recorded-teacher' },
    promptHash: '0123456789abcdef',
    settings: {},
    createdAt: options.createdAt,
  });
  return rows;
}

/** What the emulated fine-tuned model answers: the reference's first two lines, rephrased. */
export function endpointSummary(reference: string): string {
  return `${reference.split('\n').slice(0, 3).join('\n')}\n- It also mentions retries.`;
}

/**
 * A dedicated endpoint's OpenAI-compatible completions route. It finds the document in the
 * Alpaca prompt, answers with endpointSummary(reference) and records every prompt.
 */
export async function startSummarizerEndpoint(
  references: Map<string, string>,
  token: string,
): Promise<ScriptedHttpServer> {
  const server = new ScriptedHttpServer(
    (request) =>
      request.method === 'POST' && request.path === '/v1/completions' ? 'completions' : undefined,
    {
      completions: (request) => {
        const { prompt, model } = request.body as { prompt: string; model: string };
        const document = /### Input:\n([\s\S]*)\n\n### Response:\n$/.exec(prompt)?.[1] ?? '';
        const reference = references.get(document);
        return {
          body: {
            id: `cmpl-${randomUUID()}`,
            object: 'text_completion',
            created: Math.floor(Date.now() / 1000),
            model,
            choices: [
              {
                index: 0,
                text: reference === undefined ? 'unknown document' : endpointSummary(reference),
                logprobs: null,
                finish_reason: 'stop',
              },
            ],
            usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
          },
        };
      },
    },
    (request) =>
      request.headers.authorization === `Bearer ${token}`
        ? undefined
        : {
            status: 401,
            body: { error: 'Authorization header is correct, but the token seems invalid' },
          },
  );
  return server.start();
}
