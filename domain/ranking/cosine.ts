// Exact cosine similarity over vectors packed into one Float32Array (row-major). Rows are
// L2-normalized once at load, so cosine is a dot product and a scan of 50,000 x 384 floats is
// one tight loop over contiguous memory.
import { topK, type Scored } from './top-k.js';

export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  const result = new Float32Array(vector.length);
  if (norm === 0) return result;
  for (let index = 0; index < vector.length; index++)
    result[index] = (vector[index] as number) / norm;
  return result;
}

export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`Vector lengths differ: ${a.length} and ${b.length}`);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] as number;
    const y = b[index] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

export class VectorMatrix {
  readonly rows: number;
  private readonly data: Float32Array;

  constructor(
    readonly dimensions: number,
    vectors: readonly Float32Array[],
  ) {
    this.rows = vectors.length;
    this.data = new Float32Array(vectors.length * dimensions);
    vectors.forEach((vector, row) => {
      if (vector.length !== dimensions) {
        throw new Error(`Vector ${row} has ${vector.length} dimensions, expected ${dimensions}`);
      }
      this.data.set(l2Normalize(vector), row * dimensions);
    });
  }

  /** Cosine similarity of the query with every row. */
  similarities(query: Float32Array): Float32Array {
    if (query.length !== this.dimensions) {
      throw new Error(`Query has ${query.length} dimensions, the index ${this.dimensions}`);
    }
    const normalized = l2Normalize(query);
    const scores = new Float32Array(this.rows);
    const dimensions = this.dimensions;
    const data = this.data;
    for (let row = 0, offset = 0; row < this.rows; row++, offset += dimensions) {
      let dot = 0;
      for (let index = 0; index < dimensions; index++) {
        dot += (data[offset + index] as number) * (normalized[index] as number);
      }
      scores[row] = dot;
    }
    return scores;
  }

  search(query: Float32Array, k: number, accept?: (index: number) => boolean): Scored[] {
    return topK(this.similarities(query), k, accept);
  }
}
