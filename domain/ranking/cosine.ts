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
    // Four independent accumulators let the CPU overlap the multiply-adds (about 2x faster
    // than one running sum in V8); the tail loop handles dimensions not divisible by four.
    const unrolled = dimensions - (dimensions % 4);
    for (let row = 0, offset = 0; row < this.rows; row++, offset += dimensions) {
      let sum0 = 0;
      let sum1 = 0;
      let sum2 = 0;
      let sum3 = 0;
      let index = 0;
      for (; index < unrolled; index += 4) {
        sum0 += (data[offset + index] as number) * (normalized[index] as number);
        sum1 += (data[offset + index + 1] as number) * (normalized[index + 1] as number);
        sum2 += (data[offset + index + 2] as number) * (normalized[index + 2] as number);
        sum3 += (data[offset + index + 3] as number) * (normalized[index + 3] as number);
      }
      for (; index < dimensions; index++) {
        sum0 += (data[offset + index] as number) * (normalized[index] as number);
      }
      scores[row] = sum0 + sum1 + sum2 + sum3;
    }
    return scores;
  }

  search(query: Float32Array, k: number, accept?: (index: number) => boolean): Scored[] {
    return topK(this.similarities(query), k, accept);
  }
}
