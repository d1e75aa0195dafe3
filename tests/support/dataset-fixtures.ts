// Raw documents for dataset tests: the bundled sample knowledge base (the original project's
// published format) and documents derived from it, inserted into `raw` as the ETL would
// (upsert by id, contentHash set).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { contentHash, documentSchema, type Document } from '../../domain/document.js';
import { COLLECTIONS } from '../../domain/names.js';
import {
  fitToTokenBudget,
  instructionTokenBudget,
  loopTemperatures,
  promptHash,
} from '../../domain/dataset-distillation.js';
import { sampleKey } from '../../domain/dataset-version.js';
import type { MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { repositoryRoot } from './test-environment.js';

export const SAMPLE_DIRECTORY = path.join(repositoryRoot, 'samples/knowledge-base');

export function loadSampleDocuments(): Document[] {
  return readdirSync(SAMPLE_DIRECTORY)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) =>
      documentSchema.parse(JSON.parse(readFileSync(path.join(SAMPLE_DIRECTORY, file), 'utf8'))),
    );
}

/**
 * Documents derived from the samples: each Markdown section of at least `minChars` characters
 * becomes a document of its own, with a stable id and a quality score spread over 0.3-1.0, so a
 * dataset test has enough documents for three non-empty splits.
 */
export function sectionDocuments(
  documents: readonly Document[],
  options: { perDocument: number; minChars?: number; maxChars?: number },
): Document[] {
  const derived: Document[] = [];
  for (const document of documents) {
    const sections = document.content
      .split(/\n(?=#{1,3} )/)
      .map((section) => section.trim())
      .filter((section) => section.length >= (options.minChars ?? 200))
      .slice(0, options.perDocument);
    sections.forEach((section, index) => {
      const content = options.maxChars ? section.slice(0, options.maxChars) : section;
      const heading = /^#{1,3} (.+)$/m.exec(section)?.[1]?.trim() ?? `Part ${index + 1}`;
      derived.push(
        documentSchema.parse({
          ...document,
          id: createHash('md5').update(`${document.id}#${index}`).digest('hex'),
          metadata: { ...document.metadata, title: `${document.metadata.title}: ${heading}` },
          content,
          content_quality_score: Number((0.3 + ((derived.length * 7) % 8) / 10).toFixed(1)),
        }),
      );
    });
  }
  return derived;
}

/** Upserts documents into `raw` keyed by id, with their contentHash, as the ETL does. */
export async function insertRawDocuments(
  mongo: MongoDatabase,
  documents: readonly Document[],
): Promise<void> {
  const raw = mongo.db.collection<Document & { _id: string }>(COLLECTIONS.raw);
  for (const document of documents) {
    await raw.replaceOne(
      { _id: document.id },
      { ...document, contentHash: contentHash(document.content) },
      { upsert: true },
    );
  }
}

/**
 * Persists teacher answers for documents exactly as distillDocuments stores them, for tests of
 * the steps after distillation (building, versioning, publishing) that need no model: these
 * are recorded answers of a named teacher, and the workflow must reuse them, never call a model.
 */
export async function persistTeacherAnswers(
  mongo: MongoDatabase,
  documents: readonly Document[],
  options: {
    teacherModel: string;
    settings: {
      maxSummaryChars: number;
      studentContextTokens: number;
      augmentationLoops: number;
      temperatureStep: number;
    };
    answer: (document: Document, index: number, loop: number) => string;
  },
): Promise<number> {
  const prompt = promptHash(options.settings);
  const budget = instructionTokenBudget(
    options.settings.studentContextTokens,
    options.settings.maxSummaryChars,
  );
  const samples = mongo.db.collection<{ _id: string }>(COLLECTIONS.datasetSamples);
  let count = 0;
  for (const [index, document] of documents.entries()) {
    const hash = contentHash(document.content);
    for (const [loop, temperature] of loopTemperatures(
      options.settings.augmentationLoops,
      options.settings.temperatureStep,
    ).entries()) {
      const _id = sampleKey({
        contentHash: hash,
        loop,
        temperature,
        teacherModel: options.teacherModel,
        promptHash: prompt,
      });
      await samples.replaceOne(
        { _id },
        {
          documentId: document.id,
          contentHash: hash,
          loop,
          temperature,
          teacher: { provider: 'recorded', model: options.teacherModel },
          promptHash: prompt,
          instruction: fitToTokenBudget(document.content, budget),
          answer: options.answer(document, index, loop),
          finishReason: 'stop',
          usage: { promptTokens: 0, completionTokens: 0 },
          createdAt: new Date(),
        },
        { upsert: true },
      );
      count++;
    }
  }
  return count;
}
