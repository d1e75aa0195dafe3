import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { lossCurveSvg } from '../../domain/loss-chart.js';
import { renderModelCard } from '../../domain/model-card.js';
import { rougeScores } from '../../domain/rouge.js';
import {
  formatSummarizationPrompt,
  SUMMARIZATION_PROMPT_INSTRUCTION,
  SUMMARIZATION_PROMPT_TEMPLATE,
  trainingConfigSchema,
} from '../../domain/training-config.js';
import {
  classifyTrainingFailure,
  lastErrorLine,
  parseTrainingLine,
  TrainingOutput,
} from '../../domain/training-log.js';
import { parseWorkflowInput } from '../../domain/workflow-inputs.js';
import {
  jobCommand,
  jobStatus,
  launchLabel,
} from '../../integrations/training/huggingface-jobs-backend.js';
import { TRAINING_PROGRAM_PATH } from '../../config/environment.js';
import { standInTrainingLines } from '../support/stand-in-training.js';

describe('training config', () => {
  it("defaults to the issue's recipe", () => {
    const config = trainingConfigSchema.parse({});
    assert.equal(config.baseModel, 'unsloth/Meta-Llama-3.1-8B-Instruct');
    assert.equal(config.maxSeqLength, 4096);
    assert.deepEqual(config.lora, {
      r: 16,
      alpha: 16,
      dropout: 0,
      targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
    });
    assert.equal(config.loadIn4bit, false);
    assert.deepEqual(
      [
        config.training.learningRate,
        config.training.perDeviceTrainBatchSize,
        config.training.gradientAccumulationSteps,
        config.training.warmupSteps,
        config.training.optimizer,
        config.training.weightDecay,
        config.training.lrSchedulerType,
        config.training.seed,
        config.training.packing,
      ],
      [2e-4, 2, 4, 5, 'adamw_8bit', 0.01, 'linear', 3407, true],
    );
  });

  it('has the same defaults and prompt as the Python program', () => {
    const python = `import json, sys; sys.path.insert(0, ${JSON.stringify(TRAINING_PROGRAM_PATH.replace(/\/[^/]+$/, ''))}); import train_summarizer as t; print(json.dumps(t.DEFAULTS))`;
    const defaults = JSON.parse(
      execFileSync('python3', ['-B', '-c', python], { encoding: 'utf8' }),
    ) as Record<string, unknown>;
    const ours = trainingConfigSchema.parse({});
    assert.deepEqual(defaults.lora, ours.lora);
    assert.deepEqual(defaults.training, ours.training);
    assert.deepEqual(defaults.prompt, ours.prompt);
    assert.equal(defaults.baseModel, ours.baseModel);
    assert.equal(defaults.maxSeqLength, ours.maxSeqLength);
  });

  it('formats the Alpaca prompt without reading braces inside the document', () => {
    const text = formatSummarizationPrompt(
      { template: SUMMARIZATION_PROMPT_TEMPLATE, instruction: SUMMARIZATION_PROMPT_INSTRUCTION },
      'const x = {input};',
    );
    assert.match(text, /### Instruction:\nYou are a helpful assistant/);
    assert.match(text, /### Input:\nconst x = \{input\};\n\n### Response:\n$/);
  });

  it('fineTune accepts {} and picks the local backend for a dry run', () => {
    const defaults = parseWorkflowInput('fineTune', {});
    assert.equal(defaults.backend, 'hf-jobs');
    assert.equal(defaults.flavor, 'a10g-large');
    assert.equal(defaults.config.training.seed, 3407);
    assert.equal(parseWorkflowInput('fineTune', { dryRun: true }).backend, 'local');
    assert.throws(
      () => parseWorkflowInput('fineTune', { config: { lora: { r: 0 } } }),
      /config\.lora\.r/,
    );
  });
});

describe('training output', () => {
  it('reads metrics, the result and the dry run, and ignores everything else', () => {
    assert.deepEqual(
      parseTrainingLine(
        '{"event":"metrics","step":3,"loss":1.5,"learningRate":0.0001,"epoch":0.3}',
      ),
      {
        event: 'metrics',
        metric: { step: 3, loss: 1.5, learningRate: 0.0001, epoch: 0.3 },
      },
    );
    assert.equal(parseTrainingLine("{'loss': 1.5, 'learning_rate': 0.0001}"), undefined);
    assert.equal(parseTrainingLine('{"event":"metrics","step":"x","loss":1}'), undefined);
    assert.equal(parseTrainingLine(' 50%|████ | 4/8'), undefined);
  });

  it('counts a replayed log once (metrics keyed by step)', () => {
    const { lines } = standInTrainingLines({ steps: 6, outputRepo: 'me/model', examples: 40 });
    const output = new TrainingOutput();
    for (const line of [...lines, ...lines]) output.add(line);
    assert.deepEqual(
      output.metrics.map((metric) => metric.step),
      [1, 2, 3, 4, 5, 6],
    );
    assert.ok(output.metrics[0]!.loss > output.metrics[5]!.loss, 'the loss decreases');
    assert.equal(output.result?.repoId, 'me/model');
  });

  it('classifies failures: OOM, timeout, auth, config, infrastructure, training', () => {
    const oom = standInTrainingLines({ steps: 6, outputRepo: 'me/model-oom', examples: 4 });
    assert.equal(classifyTrainingFailure('Job failed with exit code: 1', oom.lines), 'outOfMemory');
    assert.match(lastErrorLine(oom.lines)!, /^torch.OutOfMemoryError: CUDA out of memory/);
    assert.equal(classifyTrainingFailure('Job timeout', []), 'timeout');
    assert.equal(
      classifyTrainingFailure(null, [
        'huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized for url',
      ]),
      'auth',
    );
    assert.equal(
      classifyTrainingFailure(null, ['ConfigError: lora.r: must be a positive integer']),
      'config',
    );
    assert.equal(classifyTrainingFailure('Node was preempted', []), 'infrastructure');
    const crash = standInTrainingLines({ steps: 6, outputRepo: 'me/model-crash', examples: 4 });
    assert.equal(classifyTrainingFailure('exit code 1', crash.lines), 'training');
  });
});

describe('Hugging Face Jobs mapping', () => {
  it('maps the Jobs stages', () => {
    assert.equal(jobStatus({ status: { stage: 'RUNNING' } }).state, 'running');
    assert.equal(jobStatus({ status: { stage: 'COMPLETED' } }).state, 'succeeded');
    assert.equal(jobStatus({ status: { stage: 'CANCELED' } }).state, 'cancelled');
    assert.deepEqual(jobStatus({ status: { stage: 'ERROR', message: 'OOMKilled' } }), {
      state: 'failed',
      message: 'OOMKilled',
    });
  });

  it('labels launches with a short stable hash and runs the program from the environment', () => {
    assert.equal(launchLabel('wf#1'), launchLabel('wf#1'));
    assert.notEqual(launchLabel('wf#1'), launchLabel('wf#2'));
    assert.match(launchLabel('wf#1'), /^[0-9a-f]{32}$/);
    assert.match(jobCommand(true).at(-1)!, /--dry-run$/);
    assert.doesNotMatch(jobCommand(false).at(-1)!, /--dry-run/);
  });
});

describe('model card and loss curve', () => {
  it('draws one point per step and shows ROUGE in the card', () => {
    const svg = lossCurveSvg({
      title: 'Training loss',
      metrics: [
        { step: 1, loss: 2 },
        { step: 2, loss: 1.5 },
        { step: 3, loss: 1.2 },
      ],
    });
    assert.match(svg, /^<svg /);
    assert.equal(svg.match(/<circle /g)?.length, 3);
    assert.match(svg, /<path d="M/);
    const card = renderModelCard({
      repoId: 'me/summarizer',
      revision: 'abc',
      baseModel: 'unsloth/Meta-Llama-3.1-8B-Instruct',
      dataset: { name: 'd', version: 'v-000000000000', hubRepo: 'me/d', train: 8, test: 2 },
      config: trainingConfigSchema.parse({}),
      backend: 'hf-jobs',
      flavor: 'a10g-large',
      steps: 3,
      finalLoss: 1.2,
      evaluations: [
        { summarizer: 'fine-tuned', samples: 2, failed: 0, scores: rougeScores('a b c', 'a b d') },
      ],
      createdAt: '2025-01-01T00:00:00.000Z',
    });
    assert.match(
      card,
      /^---\nbase_model: unsloth\/Meta-Llama-3.1-8B-Instruct\ndatasets:\n- me\/d\n/,
    );
    assert.match(card, /\| fine-tuned \| 2 \| 66\.7 \| 50\.0 \| 66\.7 \|/);
    assert.match(card, /!\[Training loss\]\(loss-curve\.svg\)/);
  });
});
