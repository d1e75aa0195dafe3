/** L2-normalizes a vector (the port promises unit vectors, whatever the provider returns). */
export function l2Normalize(values: ArrayLike<number>): Float32Array {
  const vector = Float32Array.from(values);
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let index = 0; index < vector.length; index++) vector[index]! /= norm;
  return vector;
}

/** Mean of token vectors, for endpoints that return one vector per token. */
export function meanPool(tokens: number[][]): number[] {
  const width = tokens[0]?.length ?? 0;
  const sum = new Array<number>(width).fill(0);
  for (const token of tokens) token.forEach((value, index) => (sum[index]! += value));
  return sum.map((value) => value / Math.max(1, tokens.length));
}
