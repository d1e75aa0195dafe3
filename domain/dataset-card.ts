// The dataset card: the README.md stored beside each dataset version in S3 and pushed to the
// Hugging Face Hub. Its YAML header is what the Hub reads to show the splits.
import type { HistogramBin } from './dataset-charts.js';

/** File names of one dataset version, the same in S3 (under its prefix) and on the Hub. */
export const DATASET_FILES = {
  train: 'train.jsonl',
  validation: 'validation.jsonl',
  test: 'test.jsonl',
  card: 'README.md',
  lengthChart: 'content-length.svg',
  qualityChart: 'quality-score.svg',
} as const;

export interface DatasetCardFacts {
  datasetName: string;
  version: string;
  createdAt: string;
  teacher: { provider: string; model: string };
  promptHash: string;
  systemPrompt: string;
  counts: { train: number; validation: number; test: number };
  documents: number;
  dropped: Record<string, number>;
  sourceFilter: Record<string, unknown>;
  settings: Record<string, unknown>;
  lengthBins: readonly HistogramBin[];
  qualityBins: readonly HistogramBin[];
}

function binTable(bins: readonly HistogramBin[], label: string, digits: number): string {
  const rows = bins.map(
    (bin) => `| ${bin.from.toFixed(digits)}–${bin.to.toFixed(digits)} | ${bin.count} |`,
  );
  return [`| ${label} | samples |`, '| --- | ---: |', ...rows].join('\n');
}

export function renderDatasetCard(facts: DatasetCardFacts): string {
  const total = facts.counts.train + facts.counts.validation + facts.counts.test;
  const dropped = Object.entries(facts.dropped)
    .map(([reason, count]) => `${reason.replaceAll('_', ' ')}: ${count}`)
    .join(', ');
  return [
    '---',
    'language:',
    '- en',
    'task_categories:',
    '- summarization',
    'tags:',
    '- second-brain',
    '- distillation',
    'configs:',
    '- config_name: default',
    '  data_files:',
    `  - split: train`,
    `    path: ${DATASET_FILES.train}`,
    `  - split: validation`,
    `    path: ${DATASET_FILES.validation}`,
    `  - split: test`,
    `    path: ${DATASET_FILES.test}`,
    '---',
    '',
    `# ${facts.datasetName}`,
    '',
    `Version \`${facts.version}\`, created ${facts.createdAt} by Second Brain's \`generateDataset\` workflow.`,
    '',
    'Instruction dataset for summarization, distilled from a personal knowledge base: each sample is',
    '`{"instruction": <document content, fit to the student\'s context>, "answer": <summary>}`, where the',
    `summary was written by the teacher model \`${facts.teacher.provider}/${facts.teacher.model}\`.`,
    '',
    '## Splits',
    '',
    '| split | samples |',
    '| --- | ---: |',
    `| train | ${facts.counts.train} |`,
    `| validation | ${facts.counts.validation} |`,
    `| test | ${facts.counts.test} |`,
    `| **total** | ${total} |`,
    '',
    `From ${facts.documents} source documents. Dropped samples: ${dropped || 'none'}.`,
    '',
    '## Distributions',
    '',
    `![Content length distribution](${DATASET_FILES.lengthChart})`,
    '',
    binTable(facts.lengthBins, 'instruction length (characters)', 0),
    '',
    `![Quality score distribution](${DATASET_FILES.qualityChart})`,
    '',
    binTable(facts.qualityBins, 'source quality score', 2),
    '',
    '## Generation',
    '',
    `- Teacher model: \`${facts.teacher.provider}/${facts.teacher.model}\``,
    `- Prompt hash: \`${facts.promptHash}\``,
    `- Source filter: \`${JSON.stringify(facts.sourceFilter)}\``,
    `- Settings: \`${JSON.stringify(facts.settings)}\``,
    '',
    'System prompt:',
    '',
    '```text',
    facts.systemPrompt,
    '```',
    '',
  ].join('\n');
}
