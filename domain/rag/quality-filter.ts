// Which raw documents the rag index takes. A document scored 0.0 was judged worthless and never
// passes, whatever the threshold; an unscored one (null) is a separate case the caller decides.

export interface QualityFilter {
  qualityThreshold: number;
  includeUnscored: boolean;
}

export function passesQualityFilter(
  score: number | null | undefined,
  filter: QualityFilter,
): boolean {
  if (score === null || score === undefined) return filter.includeUnscored;
  if (!(score > 0)) return false;
  return score >= filter.qualityThreshold;
}
