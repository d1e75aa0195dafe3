// The pure steps of building a dataset version: which persisted answers are still current,
// and the files a version is stored as (JSONL splits, the card and its two charts).
import { histogramBins, histogramSvg } from './dataset-charts.js';
import { DATASET_FILES, renderDatasetCard, type DatasetCardFacts } from './dataset-card.js';
import type { CandidateSample } from './dataset-distillation.js';
import { toJsonl } from './dataset-split.js';

export interface PersistedAnswer {
  _id: string;
  documentId: string;
  contentHash: string;
  loop: number;
  temperature: number;
  instruction: string;
  answer: string;
}

export type VersionCandidate = CandidateSample & { quality: number | null };

/**
 * The answers that belong in the version: of a document whose content has not changed since
 * (same hash), and of a loop this input asks for, at that loop's temperature.
 */
export function versionCandidates(
  answers: readonly PersistedAnswer[],
  {
    currentHash,
    temperatures,
    quality,
  }: {
    currentHash: ReadonlyMap<string, string>;
    temperatures: readonly number[];
    quality: (documentId: string) => number | null;
  },
): VersionCandidate[] {
  return answers
    .filter(
      (answer) =>
        currentHash.get(answer.documentId) === answer.contentHash &&
        answer.loop < temperatures.length &&
        answer.temperature === temperatures[answer.loop],
    )
    .map((answer) => ({
      id: answer._id,
      documentId: answer.documentId,
      instruction: answer.instruction,
      answer: answer.answer,
      quality: quality(answer.documentId),
    }));
}

export interface DatasetFile {
  name: string;
  body: string;
  contentType: string;
}

/** Every file of a version, named by DATASET_FILES; the same inputs give the same bytes. */
export function datasetVersionFiles(
  {
    kept,
    splits,
  }: {
    /** Every sample the filter kept (the charts describe them all). */
    kept: readonly VersionCandidate[];
    splits: { train: VersionCandidate[]; validation: VersionCandidate[]; test: VersionCandidate[] };
  },
  facts: Omit<DatasetCardFacts, 'lengthBins' | 'qualityBins'>,
): DatasetFile[] {
  const rows = (split: readonly VersionCandidate[]) =>
    toJsonl(split.map(({ instruction, answer }) => ({ instruction, answer })));
  const lengthBins = histogramBins(
    kept.map((sample) => sample.instruction.length),
    { bins: 10, min: 0 },
  );
  const qualityBins = histogramBins(
    kept.flatMap((sample) => (sample.quality === null ? [] : [sample.quality])),
    { bins: 10, min: 0, max: 1 },
  );
  const jsonl = 'application/x-ndjson';
  return [
    { name: DATASET_FILES.train, body: rows(splits.train), contentType: jsonl },
    { name: DATASET_FILES.validation, body: rows(splits.validation), contentType: jsonl },
    { name: DATASET_FILES.test, body: rows(splits.test), contentType: jsonl },
    {
      name: DATASET_FILES.lengthChart,
      body: histogramSvg({ title: 'Instruction length', xLabel: 'characters', bins: lengthBins }),
      contentType: 'image/svg+xml',
    },
    {
      name: DATASET_FILES.qualityChart,
      body: histogramSvg({
        title: 'Source quality score',
        xLabel: 'content_quality_score',
        bins: qualityBins,
      }),
      contentType: 'image/svg+xml',
    },
    {
      name: DATASET_FILES.card,
      body: renderDatasetCard({ ...facts, lengthBins, qualityBins }),
      contentType: 'text/markdown; charset=utf-8',
    },
  ];
}
