// The model card: README.md pushed to the fine-tuned model's Hub repo and kept in S3 beside the
// loss curve. Its YAML header is what the Hub reads (base model, dataset, pipeline tag).
import type { RougeScores } from './rouge.js';
import type { TrainingConfig } from './training-config.js';

/** Files of one registered model, the same in S3 (under its prefix) and on the Hub. */
export const MODEL_FILES = {
  card: 'README.md',
  lossChart: 'loss-curve.svg',
  metrics: 'metrics.jsonl',
} as const;

export interface SummarizerEvaluation {
  /** Who produced the summaries: the fine-tuned model, the teacher, any summarizer. */
  summarizer: string;
  samples: number;
  failed: number;
  scores: RougeScores;
}

export interface ModelCardFacts {
  repoId: string;
  revision: string | null;
  baseModel: string;
  dataset: { name: string; version: string; hubRepo: string | null; train: number; test: number };
  config: TrainingConfig;
  backend: string;
  flavor: string | null;
  steps: number;
  finalLoss: number | null;
  evaluations: readonly SummarizerEvaluation[];
  createdAt: string;
}

function percent(value: number): string {
  return (value * 100).toFixed(1);
}

export function renderModelCard(facts: ModelCardFacts): string {
  const { config } = facts;
  const header = [
    '---',
    `base_model: ${facts.baseModel}`,
    ...(facts.dataset.hubRepo ? ['datasets:', `- ${facts.dataset.hubRepo}`] : []),
    'library_name: transformers',
    'pipeline_tag: text-generation',
    'tags:',
    '- unsloth',
    '- trl',
    '- sft',
    '- summarization',
    '- second-brain',
    '---',
  ];
  const evaluation =
    facts.evaluations.length === 0
      ? ['No evaluation was run (no endpoint served the model).']
      : [
          `ROUGE F-measure (%) on the dataset's test split (${facts.dataset.test} samples), computed as Google's rouge-score does:`,
          '',
          '| Summarizer | Samples | ROUGE-1 | ROUGE-2 | ROUGE-L |',
          '| --- | --- | --- | --- | --- |',
          ...facts.evaluations.map(
            (item) =>
              `| ${item.summarizer} | ${item.samples - item.failed} | ${percent(item.scores.rouge1.fmeasure)} | ${percent(item.scores.rouge2.fmeasure)} | ${percent(item.scores.rougeL.fmeasure)} |`,
          ),
        ];
  return [
    ...header,
    '',
    `# ${facts.repoId}`,
    '',
    `Second Brain's document summarizer: \`${facts.baseModel}\` fine-tuned with Unsloth and TRL's`,
    `SFTTrainer (LoRA, merged) on \`${facts.dataset.name}\` version \`${facts.dataset.version}\``,
    `(${facts.dataset.train} training samples).`,
    '',
    '## Training',
    '',
    '| Setting | Value |',
    '| --- | --- |',
    `| Backend | ${facts.backend}${facts.flavor ? ` (${facts.flavor})` : ''} |`,
    `| Max sequence length | ${config.maxSeqLength} |`,
    `| 4-bit base weights | ${config.loadIn4bit} |`,
    `| LoRA r / alpha / dropout | ${config.lora.r} / ${config.lora.alpha} / ${config.lora.dropout} |`,
    `| LoRA targets | ${config.lora.targetModules.join(', ')} |`,
    `| Learning rate | ${config.training.learningRate} (${config.training.lrSchedulerType}, ${config.training.warmupSteps} warm-up steps) |`,
    `| Batch | ${config.training.perDeviceTrainBatchSize} x ${config.training.gradientAccumulationSteps} accumulation |`,
    `| Length | ${config.training.maxSteps === null ? `${config.training.numTrainEpochs} epoch(s)` : `${config.training.maxSteps} steps`} |`,
    `| Optimizer | ${config.training.optimizer}, weight decay ${config.training.weightDecay} |`,
    `| Seed / packing | ${config.training.seed} / ${config.training.packing} |`,
    `| Steps logged / final loss | ${facts.steps} / ${facts.finalLoss ?? 'n/a'} |`,
    '',
    '![Training loss](loss-curve.svg)',
    '',
    '## Evaluation',
    '',
    ...evaluation,
    '',
    '## Prompt',
    '',
    'The model expects the Alpaca-style prompt it was trained on (the document goes in `{input}`):',
    '',
    '```text',
    config.prompt.template.replace('{instruction}', config.prompt.instruction),
    '```',
    '',
    `Revision: ${facts.revision ?? 'unknown'}. Registered: ${facts.createdAt}.`,
    '',
  ].join('\n');
}
