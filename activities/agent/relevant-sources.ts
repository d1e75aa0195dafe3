// The turn's retrieval, as prepare-turn runs it: search, then keep only the passages that hold
// some of the question's terms, renumbered [1], [2], ... so the model and the reader see no
// gaps. The outcome line is what the steps panel shows for the search.
import { judgeRelevance } from '../../domain/answering/relevance.js';
import type { StoredSource } from '../../integrations/mongo/stores/agent-turns.js';
import type { AgentContext } from './dependencies.js';
import { withHeartbeat } from '../with-heartbeat.js';

export interface RelevantSources {
  relevant: boolean;
  /** The citable passages (none when nothing is relevant). */
  sources: StoredSource[];
  outcome: string;
}

export async function findRelevantSources(
  { retriever, settings }: Pick<AgentContext, 'retriever' | 'settings'>,
  query: string,
): Promise<RelevantSources> {
  const found = await withHeartbeat(() => retriever.search(query, { k: settings.searchK }));
  const numbered = found.map((chunk, index) => ({
    n: index + 1,
    chunkId: chunk.chunkId,
    documentId: chunk.documentId,
    url: chunk.url,
    title: chunk.title,
    text: chunk.text,
  }));
  const relevance = judgeRelevance(query, numbered, settings.minCoverage);
  const sources: StoredSource[] = relevance.relevant
    ? relevance.passages.map((passage, index) => ({
        ...numbered.find((chunk) => chunk.n === passage.n)!,
        n: index + 1,
      }))
    : [];
  const outcome = relevance.relevant
    ? `${sources.length} relevant of ${found.length} passages`
    : `nothing relevant in ${found.length} passages (coverage ${relevance.coverage.toFixed(2)}${
        relevance.missingTerms.length > 0
          ? `; missing: ${relevance.missingTerms.slice(0, 5).join(', ')}`
          : ''
      })`;
  return { relevant: relevance.relevant, sources, outcome };
}
