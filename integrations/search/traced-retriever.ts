// A tracing decorator around the Retriever port: each search inside an activity becomes a
// `retrieval` span with the query, k and the ranked results (ids, titles and scores; the chunk
// texts stay in the rag collection). Recording never throws.
import { errorMessage } from '../../domain/tracing.js';
import { currentTraceScope, nextChildSpan } from '../tracing/trace-context.js';
import type { Tracer } from '../tracing/tracer.js';
import type { RetrievedChunk, Retriever } from './retriever.js';

export function withRetrievalTracing(retriever: Retriever, tracer: Tracer): Retriever {
  return {
    async search(query, options = {}) {
      const scope = currentTraceScope();
      if (!scope) return retriever.search(query, options);
      const identity = nextChildSpan(scope, 'retrieval');
      const startTime = new Date();
      const record = (results: RetrievedChunk[] | undefined, error: unknown) => {
        try {
          const endTime = new Date();
          tracer.record(
            {
              ...identity,
              name: 'retrieval',
              kind: 'retrieval',
              startTime,
              endTime,
              durationMs: endTime.getTime() - startTime.getTime(),
              input: { query, k: options.k },
              output: results && {
                results: results.map((result, index) => ({
                  rank: index + 1,
                  chunkId: result.chunkId,
                  documentId: result.documentId,
                  title: result.title,
                  url: result.url,
                  score: result.score,
                })),
              },
              error: error === undefined ? undefined : errorMessage(error),
              origin: scope.origin,
            },
            scope.trace,
          );
        } catch {
          // Tracing never fails the search it observes.
        }
      };
      try {
        const results = await retriever.search(query, options);
        record(results, undefined);
        return results;
      } catch (error) {
        record(undefined, error);
        throw error;
      }
    },
  };
}
