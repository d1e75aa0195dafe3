// Top-k selection over a score array without sorting everything: a size-k min-heap, so picking
// 50 of 50,000 scores costs O(n log k).

export interface Scored {
  index: number;
  score: number;
}

/** The k highest scores (ties: lower index first), best first. Skips indexes `accept` rejects. */
export function topK(
  scores: Float32Array | Float64Array,
  k: number,
  accept?: (index: number) => boolean,
  minimum = Number.NEGATIVE_INFINITY,
): Scored[] {
  if (k <= 0) return [];
  const heapIndex: number[] = [];
  const heapScore: number[] = [];
  // "a is worse than b": lower score, or the same score and a later index.
  const worse = (a: number, b: number) =>
    (heapScore[a] as number) < (heapScore[b] as number) ||
    (heapScore[a] === heapScore[b] && (heapIndex[a] as number) > (heapIndex[b] as number));
  const swap = (a: number, b: number) => {
    [heapIndex[a], heapIndex[b]] = [heapIndex[b] as number, heapIndex[a] as number];
    [heapScore[a], heapScore[b]] = [heapScore[b] as number, heapScore[a] as number];
  };
  const siftDown = (start: number) => {
    let position = start;
    for (;;) {
      const left = position * 2 + 1;
      const right = left + 1;
      let smallest = position;
      if (left < heapIndex.length && worse(left, smallest)) smallest = left;
      if (right < heapIndex.length && worse(right, smallest)) smallest = right;
      if (smallest === position) return;
      swap(position, smallest);
      position = smallest;
    }
  };
  for (let index = 0; index < scores.length; index++) {
    const score = scores[index] as number;
    if (score <= minimum || Number.isNaN(score)) continue;
    if (heapIndex.length === k && score <= (heapScore[0] as number)) continue;
    if (accept && !accept(index)) continue;
    if (heapIndex.length < k) {
      heapIndex.push(index);
      heapScore.push(score);
      for (let child = heapIndex.length - 1; child > 0;) {
        const parent = (child - 1) >> 1;
        if (!worse(child, parent)) break;
        swap(child, parent);
        child = parent;
      }
    } else {
      heapIndex[0] = index;
      heapScore[0] = score;
      siftDown(0);
    }
  }
  return heapIndex
    .map((index, position) => ({ index, score: heapScore[position] as number }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
}
