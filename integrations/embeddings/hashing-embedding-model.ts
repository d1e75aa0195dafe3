// A lexical embedding model by feature hashing (Weinberger et al., 2009): words, word bigrams
// and character trigrams are hashed into a fixed number of signed buckets, weighted by
// sublinear term frequency, and the vector is L2-normalized. It needs no weights, downloads or
// GPU, is deterministic across processes, and captures lexical and sub-word (typo, inflection)
// similarity, but not synonyms. It is a real baseline embedding that runs anywhere: the default
// until a neural model is configured, and the embedding the tests use.
import type { EmbeddingModel } from './embedding-model.js';
import { textTerms } from '../../domain/ranking/text-terms.js';

export const HASHING_PROVIDER = 'hashing';
export const HASHING_DEFAULT_DIMENSIONS = 512;

/** 32-bit FNV-1a: fast, well spread, and identical everywhere (unlike a seeded runtime hash). */
function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const FEATURE_WEIGHTS = { w: 1, b: 0.5, c: 0.25 } as const;

export class HashingEmbeddingModel implements EmbeddingModel {
  readonly provider = HASHING_PROVIDER;
  readonly modelId: string;
  readonly maxBatchSize = 1024;

  constructor(readonly dimensions: number = HASHING_DEFAULT_DIMENSIONS) {
    if (!Number.isInteger(dimensions) || dimensions < 16) {
      throw new Error(
        `HashingEmbeddingModel needs at least 16 integer dimensions (got ${dimensions})`,
      );
    }
    this.modelId = `hashing-bow-trigram-${dimensions}`;
  }

  /** The features of a text with their weights, before hashing. */
  features(text: string): Map<string, number> {
    const occurrences = new Map<string, number>();
    const add = (feature: string) => occurrences.set(feature, (occurrences.get(feature) ?? 0) + 1);
    const words = textTerms(text);
    words.forEach((word, index) => {
      add(`w:${word}`);
      if (index > 0) add(`b:${words[index - 1]} ${word}`);
      // Trigrams of the padded word give partial credit to inflections and typos.
      const padded = `<${word}>`;
      if (padded.length > 4)
        for (let start = 0; start + 3 <= padded.length; start++)
          add(`c:${padded.slice(start, start + 3)}`);
    });
    // Sublinear term frequency, scaled by kind: a whole word says more than a bigram or trigram.
    const weights = new Map<string, number>();
    for (const [feature, count] of occurrences) {
      weights.set(feature, FEATURE_WEIGHTS[feature[0] as 'w' | 'b' | 'c'] * (1 + Math.log(count)));
    }
    return weights;
  }

  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    for (const [feature, weight] of this.features(text)) {
      const hash = fnv1a(feature);
      // A second hash picks the sign, so collisions cancel out on average instead of piling up.
      const sign = fnv1a(feature, 0x9747b28c) & 1 ? 1 : -1;
      const bucket = hash % this.dimensions;
      vector[bucket] = (vector[bucket] as number) + sign * weight;
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    norm = Math.sqrt(norm);
    if (norm > 0)
      for (let index = 0; index < vector.length; index++)
        vector[index] = (vector[index] as number) / norm;
    return vector;
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length > this.maxBatchSize) {
      return Promise.reject(
        new Error(`At most ${this.maxBatchSize} texts per call (got ${texts.length})`),
      );
    }
    return Promise.resolve(texts.map((text) => this.embedOne(text)));
  }
}

/** Parses a hashing model id back into a model (e.g. when a search must match the index). */
export function hashingModelFromId(modelId: string): HashingEmbeddingModel | undefined {
  const match = /^hashing-bow-trigram-(\d+)$/.exec(modelId);
  return match ? new HashingEmbeddingModel(Number(match[1])) : undefined;
}
