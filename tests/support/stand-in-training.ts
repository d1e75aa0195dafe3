// What a real Unsloth + TRL run prints, for tests that cannot train (no GPU): Unsloth's banner,
// the trainer's own dict lines and progress bars, and the training program's JSON events. The
// outcome follows the output repo's name, so a test picks it through the workflow input:
// "…-oom" runs out of GPU memory, "…-crash" fails with a traceback, anything else succeeds.

export type StandInOutcome = 'success' | 'outOfMemory' | 'crash';

export function standInOutcome(outputRepo: string | null | undefined): StandInOutcome {
  if (outputRepo?.endsWith('-oom')) return 'outOfMemory';
  if (outputRepo?.endsWith('-crash')) return 'crash';
  return 'success';
}

/** The loss the stand-in reports at a step: decaying, deterministic, never flat. */
export function standInLoss(step: number, steps: number): number {
  return Number((0.6 + 2.0 * Math.exp((-2 * step) / steps) + 0.01 * (step % 3)).toFixed(4));
}

export const STAND_IN_REVISION = '3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';

export function standInTrainingLines(options: {
  steps: number;
  outputRepo: string | null;
  examples: number;
  learningRate?: number;
}): { lines: string[]; exitCode: number } {
  const outcome = standInOutcome(options.outputRepo);
  const learningRate = options.learningRate ?? 2e-4;
  const lines = [
    '🦥 Unsloth: Will patch your computer to enable 2x faster free finetuning.',
    '==((====))==  Unsloth 2025.3.19: Fast Llama patching. Transformers: 4.50.0.',
    '   \\\\   /|    NVIDIA A10G. Num GPUs = 1. Max memory: 22.184 GB. Platform: Linux.',
    'O^O/ \\_/ \\    Torch: 2.6.0+cu124. CUDA: 8.6. CUDA Toolkit: 12.4. Triton: 3.2.0',
    'Unsloth 2025.3.19 patched 32 layers with 32 QKV layers, 32 O layers and 32 MLP layers.',
    `Map: 100%|██████████| ${options.examples}/${options.examples} [00:00<00:00, 2104.55 examples/s]`,
    `==((====))==  Unsloth - 2x faster free finetuning | Num GPUs used = 1`,
    `   \\\\   /|    Num examples = ${options.examples} | Num Epochs = 1 | Total steps = ${options.steps}`,
    'O^O/ \\_/ \\    Batch size per device = 2 | Gradient accumulation steps = 4',
    '\\        /    Data Parallel GPUs = 1 | Total batch size (2 x 4 x 1) = 8',
    ' "-____-"     Trainable parameters = 41,943,040/8,000,000,000 (0.52% trained)',
  ];
  const failAt = outcome === 'success' ? Infinity : Math.max(1, Math.floor(options.steps / 2));
  for (let step = 1; step <= options.steps; step++) {
    if (step > failAt) break;
    const loss = standInLoss(step, options.steps);
    const rate = Number((learningRate * (1 - (step - 1) / options.steps)).toExponential(4));
    const epoch = Number((step / options.steps).toFixed(4));
    lines.push(
      `{'loss': ${loss}, 'grad_norm': 0.${(4000 + step * 37) % 9999}, 'learning_rate': ${rate}, 'epoch': ${epoch}}`,
      JSON.stringify({ event: 'metrics', step, loss, learningRate: rate, epoch }),
      ` ${Math.round((step / options.steps) * 100)}%|████      | ${step}/${options.steps} [00:${String(step * 7).padStart(2, '0')}<00:42,  7.01s/it]`,
    );
  }
  if (outcome === 'outOfMemory') {
    lines.push(
      'Traceback (most recent call last):',
      '  File "/tmp/train_summarizer.py", line 297, in train',
      '    stats = trainer.train()',
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB. GPU 0 has a total capacity of 22.19 GiB of which 1.02 GiB is free. Including non-PyTorch memory, this process has 21.16 GiB memory in use.',
    );
    return { lines, exitCode: 1 };
  }
  if (outcome === 'crash') {
    lines.push(
      'Traceback (most recent call last):',
      '  File "/tmp/train_summarizer.py", line 297, in train',
      '    stats = trainer.train()',
      'ValueError: Expected input batch_size (8) to match target batch_size (6).',
    );
    return { lines, exitCode: 1 };
  }
  lines.push(
    `{'train_runtime': 61.2, 'train_samples_per_second': 1.3, 'train_steps_per_second': 0.16, 'train_loss': ${standInLoss(options.steps, options.steps)}, 'epoch': 1.0}`,
    'Unsloth: Merging 4bit and LoRA weights to 16bit...',
    `Unsloth: Saving model... Done. Pushing to ${options.outputRepo ?? 'nowhere'}.`,
    JSON.stringify({
      event: 'result',
      repoId: options.outputRepo,
      revision: STAND_IN_REVISION,
      trainLoss: standInLoss(options.steps, options.steps),
    }),
  );
  return { lines, exitCode: 0 };
}
