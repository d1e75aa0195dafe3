// How many results a search returns when the caller does not say: one home for each default.

/** The search port and `second-brain search`: a page of results to look through. */
export const DEFAULT_SEARCH_K = 10;

/** Chunks the agent puts in front of the model per search (AGENT_SEARCH_K), and the k of the
 * evaluation's recall@k, which measures what the agent actually retrieves. */
export const AGENT_SEARCH_K = 5;
