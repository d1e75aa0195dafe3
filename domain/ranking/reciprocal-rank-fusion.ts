// Reciprocal rank fusion (Cormack et al., 2009): each list adds 1 / (k + rank) for an item, so
// items ranked well by several retrievers rise, and no score scales need calibrating.

export const RRF_K = 60;

/** Fuses ranked lists of ids (best first). Ties keep the order of first appearance. */
export function reciprocalRankFusion<T>(
  rankings: ReadonlyArray<readonly T[]>,
  options: { k?: number; weights?: readonly number[] } = {},
): Array<{ id: T; score: number }> {
  const k = options.k ?? RRF_K;
  const scores = new Map<T, number>();
  rankings.forEach((ranking, list) => {
    const weight = options.weights?.[list] ?? 1;
    ranking.forEach((id, position) => {
      scores.set(id, (scores.get(id) ?? 0) + weight / (k + position + 1));
    });
  });
  return [...scores.entries()]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score);
}
