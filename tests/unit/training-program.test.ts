// The training program (training/train_summarizer.py) as CI can run it: it compiles, and its
// dry run validates a config and loads and formats a dataset with the standard library only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { TRAINING_PROGRAM_PATH } from '../../config/environment.js';
import { parseTrainingLine } from '../../domain/training-log.js';

const directory = mkdtempSync(path.join(tmpdir(), 'training-program-'));
after(() => rmSync(directory, { recursive: true, force: true }));

function run(config: unknown, ...flags: string[]) {
  const file = path.join(directory, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  // -B: no __pycache__ next to the program.
  return spawnSync('python3', ['-B', TRAINING_PROGRAM_PATH, '--config', file, ...flags], {
    encoding: 'utf8',
  });
}

describe('training program', () => {
  it('compiles (python3 -m py_compile)', () => {
    const result = spawnSync(
      'python3',
      [
        '-c',
        `import py_compile; py_compile.compile(${JSON.stringify(TRAINING_PROGRAM_PATH)}, cfile=${JSON.stringify(path.join(directory, 'program.pyc'))}, doraise=True)`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(result.status, 0, result.stderr);
  });

  it('dry-runs: validates the config, loads and formats every split, reports counts', () => {
    const rows = (count: number, split: string) =>
      Array.from({ length: count }, (_, index) =>
        JSON.stringify({
          instruction: `# ${split} ${index}\n\nA {braced} body.`,
          answer: `- point ${index}`,
        }),
      ).join('\n');
    const datasetDirectory = path.join(directory, 'dataset');
    rmSync(datasetDirectory, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', datasetDirectory]);
    writeFileSync(path.join(datasetDirectory, 'train.jsonl'), rows(17, 'train'));
    writeFileSync(path.join(datasetDirectory, 'validation.jsonl'), rows(2, 'validation'));
    writeFileSync(path.join(datasetDirectory, 'test.jsonl'), rows(3, 'test'));
    const result = run(
      { dataset: { localDir: datasetDirectory }, outputRepo: 'me/summarizer', lora: { r: 8 } },
      '--dry-run',
    );
    assert.equal(result.status, 0, result.stderr);
    const event = parseTrainingLine(result.stdout.trim().split('\n').at(-1)!);
    assert.equal(event?.event, 'dry-run');
    if (event?.event !== 'dry-run') return;
    assert.deepEqual(event.dryRun.counts, { train: 17, validation: 2, test: 3 });
    // 17 samples / (2 x 4) per step, one epoch.
    assert.equal(event.dryRun.estimatedSteps, 3);
    assert.equal((event.dryRun.config.lora as { r: number }).r, 8);
    assert.match(
      result.stdout,
      /### Input:\\n# train 0\\n\\nA \{braced\} body\.\\n\\n### Response:\\n- point 0/,
    );
  });

  it('rejects a bad config with exit code 2 and every problem named', () => {
    const result = run({ lora: { r: 0 }, training: { learningRate: 'fast' } }, '--dry-run');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /ConfigError: .*lora\.r: must be a positive integer/);
    assert.match(result.stderr, /training\.learningRate: must be a number/);
    assert.match(result.stderr, /dataset: set localDir or hubRepo/);
    assert.equal(run({ unknown: 1 }, '--dry-run').status, 2);
    // A missing output repo only warns in a dry run; a real run refuses it before any import.
    const real = run({ dataset: { localDir: directory } });
    assert.equal(real.status, 2);
    assert.match(real.stderr, /outputRepo: not set/);
  });
});
