// A stand-in for training/train_summarizer.py that the `local` backend runs in tests: same
// arguments (--config <file> [--dry-run]), same output protocol, realistic logs, no GPU. It
// reads the config and the dataset folder the backend wrote, then prints a run line by line.
// STAND_IN_STEP_MS sets the pause between steps (a test can kill a worker mid-run).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { standInTrainingLines } from './stand-in-training.js';

const configIndex = process.argv.indexOf('--config');
const configPath = process.argv[configIndex + 1];
if (configIndex < 0 || configPath === undefined) {
  console.error('usage: stand-in-training-command --config <file> [--dry-run]');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
  outputRepo: string | null;
  training: { maxSteps: number | null; learningRate: number };
  dataset: { localDir: string };
};
const examples = readFileSync(path.join(config.dataset.localDir, 'train.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '').length;
const { lines, exitCode } = standInTrainingLines({
  steps: config.training.maxSteps ?? 8,
  outputRepo: config.outputRepo,
  examples,
  learningRate: config.training.learningRate,
});
const pause = Number(process.env.STAND_IN_STEP_MS ?? '50');
for (const line of lines) {
  console.log(line);
  if (line.startsWith('{"event":"metrics"')) await sleep(pause);
}
process.exit(exitCode);
