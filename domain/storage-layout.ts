// Where things live in the S3 bucket. Workflows pass these keys around instead of content.
//
//   documents/<id>.json                   one collected or imported document (documentSchema)
//   runs/collect/<runId>/manifest.json    what a collection run wrote, skipped and failed
//   runs/import/<runId>/manifest.json     the same for an import
//   runs/etl/<runId>/...                  ETL snapshots and failure reports
//   runs/eval/<runId>/report.md, comparison.svg   an evaluation run compared with the previous
//   runs/dataset/<runId>/documents.json   the document ids a dataset run distills (kept out of
//                                         workflow history, which carries this key and a count)
//   round-trip/<workflowId>.txt           the foundation's smoke test
//   datasets/<name>/<version>/            one dataset version (DATASET_FILES in dataset-card.ts):
//       train.jsonl, validation.jsonl, test.jsonl   {"instruction","answer"} per line
//       README.md                                   the dataset card
//       content-length.svg, quality-score.svg       the charts the card shows

export const DOCUMENTS_PREFIX = 'documents/';

export function documentKey(documentId: string): string {
  return `${DOCUMENTS_PREFIX}${documentId}.json`;
}

export function documentIdFromKey(key: string): string | undefined {
  const match = /^documents\/([0-9a-f]{32})\.json$/.exec(key);
  return match?.[1];
}

export type RunKind = 'collect' | 'import' | 'etl' | 'rag' | 'dataset' | 'train' | 'eval';

export function runPrefix(kind: RunKind, runId: string): string {
  return `runs/${kind}/${runId}/`;
}

export function runManifestKey(kind: RunKind, runId: string): string {
  return `${runPrefix(kind, runId)}manifest.json`;
}

/** The files of an evaluation run's report. */
export const EVALUATION_REPORT_FILES = { report: 'report.md', chart: 'comparison.svg' } as const;

export const DATASETS_PREFIX = 'datasets/';

/** The folder of one dataset version; its files are named by DATASET_FILES. */
export function datasetVersionPrefix(datasetName: string, version: string): string {
  return `${DATASETS_PREFIX}${datasetName}/${version}/`;
}

/** The document id list of one dataset run (a JSON array of ids, in distillation order). */
export function datasetDocumentListKey(runId: string): string {
  return `${runPrefix('dataset', runId)}documents.json`;
}
