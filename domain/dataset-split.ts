// Deterministic shuffle and split of dataset samples. The same samples and seed always give the
// same train/validation/test files, whatever order the samples were read in.
import { compareStrings } from './dataset-distillation.js';

/** mulberry32: a tiny, well-distributed 32-bit PRNG; enough for shuffling, not for secrets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates over the items sorted by id, so the result depends only on the set and the seed. */
export function seededShuffle<T extends { id: string }>(items: readonly T[], seed: number): T[] {
  const shuffled = [...items].sort((a, b) => compareStrings(a.id, b.id));
  const random = seededRandom(seed);
  for (let index = shuffled.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [shuffled[index], shuffled[other]] = [shuffled[other]!, shuffled[index]!];
  }
  return shuffled;
}

export interface SplitRatios {
  train: number;
  validation: number;
  test: number;
}

export interface DatasetSplits<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/**
 * Validation and test get round(n * ratio) samples each (ratios are normalized to sum to 1),
 * train gets the rest, so no sample is lost to rounding.
 */
export function splitSizes(count: number, ratios: SplitRatios): SplitRatios {
  const total = ratios.train + ratios.validation + ratios.test;
  if (!(total > 0)) throw new RangeError('split ratios must sum to a positive number');
  const validation = Math.round((count * ratios.validation) / total);
  const test = Math.min(count - validation, Math.round((count * ratios.test) / total));
  return { train: count - validation - test, validation, test };
}

export function shuffleAndSplit<T extends { id: string }>(
  items: readonly T[],
  ratios: SplitRatios,
  seed: number,
): DatasetSplits<T> {
  const shuffled = seededShuffle(items, seed);
  const sizes = splitSizes(shuffled.length, ratios);
  return {
    train: shuffled.slice(0, sizes.train),
    validation: shuffled.slice(sizes.train, sizes.train + sizes.validation),
    test: shuffled.slice(sizes.train + sizes.validation),
  };
}

/** One JSON object per line, trailing newline: the Hub's and `datasets`' JSONL format. */
export function toJsonl(rows: readonly object[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length > 0 ? '\n' : '');
}
