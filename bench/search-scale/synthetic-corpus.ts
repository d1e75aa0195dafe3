// The search-at-scale corpus: real text (passages of the PostgreSQL 15 manual, reused round
// robin) with synthetic 384-dimension vectors drawn around 1,024 cluster centres, so nearest
// neighbours are meaningful (uniform random vectors have none, which flatters no index and
// tells nothing). Every chunk's vector is a pure function of its index, so the builder, the
// exact ground truth and each measuring process regenerate the same corpus without sharing it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { l2Normalize } from '../../domain/ranking/cosine.js';
import { textTerms } from '../../domain/ranking/text-terms.js';
import { loadPostgresCorpus, withoutHeadings } from '../retrieval/postgres-corpus.js';

export const DIMENSIONS = 384;
const CLUSTERS = 1024;
/** Noise relative to the centre: neighbours within a cluster still differ. */
const NOISE = 1.2;
export const RESULTS_DIRECTORY = 'bench/results/search-scale';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const centres: Float32Array[] = Array.from({ length: CLUSTERS }, (_, cluster) => {
  const next = random(1_000_003 + cluster);
  return l2Normalize(Float32Array.from({ length: DIMENSIONS }, () => next() * 2 - 1));
});

export function chunkVector(index: number, jitterSeed = 0, noise = NOISE): Float32Array {
  const next = random(index * 2_654_435_761 + jitterSeed);
  const centre = centres[Math.floor(next() * CLUSTERS)] as Float32Array;
  const scale = noise / Math.sqrt(DIMENSIONS / 3);
  const vector = new Float32Array(DIMENSIONS);
  for (let dimension = 0; dimension < DIMENSIONS; dimension++) {
    vector[dimension] = (centre[dimension] as number) + (next() * 2 - 1) * scale;
  }
  return l2Normalize(vector);
}

/** Passages of about 600 characters from the manual, cached after the first run. */
export function passages(): string[] {
  const file = path.join(RESULTS_DIRECTORY, 'passages.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as string[];
  const result: string[] = [];
  for (const page of loadPostgresCorpus()) {
    let current = '';
    for (const paragraph of withoutHeadings(page.markdown).split(/\n\s*\n/)) {
      current = current === '' ? paragraph : `${current}\n\n${paragraph}`;
      if (current.length >= 600) {
        result.push(current.slice(0, 1200));
        current = '';
      }
    }
    if (current.length > 100) result.push(current);
  }
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  writeFileSync(file, JSON.stringify(result));
  return result;
}

export interface SyntheticChunk {
  chunkId: string;
  documentId: string;
  url: string;
  title: string;
  text: string;
}

export function syntheticChunk(index: number, texts: readonly string[]): SyntheticChunk {
  const document = Math.floor(index / 20);
  return {
    chunkId: `chunk-${index}`,
    documentId: `document-${document}`,
    url: `https://docs.example.org/page-${document}`,
    title: `Page ${document}`,
    text: texts[(index * 7_919) % texts.length] as string,
  };
}

export interface ScaleQuery {
  text: string;
  vector: Float32Array;
}

/** Queries near a corpus chunk (its vector with noise) worded with a few of its terms. */
export function scaleQueries(
  chunks: number,
  count: number,
  texts: readonly string[],
): ScaleQuery[] {
  return Array.from({ length: count }, (_, query) => {
    const target = (query * 104_729 + 17) % chunks;
    const terms = textTerms(syntheticChunk(target, texts).text);
    const pick = random(query + 99);
    const words = Array.from({ length: 4 }, () => terms[Math.floor(pick() * terms.length)] ?? '');
    const base = chunkVector(target);
    const noise = chunkVector(target, 77);
    const vector = l2Normalize(
      Float32Array.from(base, (value, i) => value + 0.5 * (noise[i] as number)),
    );
    return { text: words.join(' '), vector };
  });
}
