// Filters a search may carry, and one predicate that applies them to a chunk. The same filter
// object is translated into MongoDB/Atlas filter syntax by the atlas adapter.

export interface SearchFilters {
  /** Only chunks of these documents. */
  documentIds?: string[];
  /** Only chunks whose URL starts with this prefix (e.g. one site or one Notion workspace). */
  urlPrefix?: string;
  /** Only chunks under this heading path prefix (case-insensitive). */
  headingPath?: string[];
}

export interface FilterableChunk {
  documentId: string;
  url: string;
  headingPath: readonly string[];
}

export function isEmptyFilter(filters: SearchFilters | undefined): boolean {
  return (
    !filters ||
    (filters.documentIds === undefined &&
      (filters.urlPrefix ?? '') === '' &&
      (filters.headingPath?.length ?? 0) === 0)
  );
}

export function matchesFilters(
  chunk: FilterableChunk,
  filters: SearchFilters | undefined,
): boolean {
  if (!filters) return true;
  if (filters.documentIds !== undefined && !filters.documentIds.includes(chunk.documentId))
    return false;
  if (filters.urlPrefix && !chunk.url.startsWith(filters.urlPrefix)) return false;
  if (filters.headingPath && filters.headingPath.length > 0) {
    if (chunk.headingPath.length < filters.headingPath.length) return false;
    for (let index = 0; index < filters.headingPath.length; index++) {
      if (chunk.headingPath[index]?.toLowerCase() !== filters.headingPath[index]?.toLowerCase())
        return false;
    }
  }
  return true;
}
