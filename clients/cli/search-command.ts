import type { Command } from 'commander';
import { loadConfig } from '../../config/environment.js';
import type { EmbeddingModel } from '../../integrations/embeddings/embedding-model.js';
import { HASHING_PROVIDER } from '../../integrations/embeddings/hashing-embedding-model.js';
import { connectMongo } from '../../integrations/mongo/mongo-database.js';
import { readServingState } from '../../integrations/search/rag-records.js';
import {
  DEFAULT_SEARCH_K,
  SEARCH_MODES,
  type SearchMode,
} from '../../integrations/search/search-index.js';
import { note, printJson, printLine } from './output.js';

export class InvalidSearchOptionError extends Error {}

function parseK(value: string): number {
  const k = Number(value);
  if (!Number.isInteger(k) || k < 1 || k > 1000) {
    throw new InvalidSearchOptionError(`--k must be an integer from 1 to 1000 (got ${value})`);
  }
  return k;
}

export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description('Search the rag index (vectors, BM25 or both fused) and print the best chunks')
    .argument('<query>', 'what to look for')
    .option('--k <number>', 'how many results', String(DEFAULT_SEARCH_K))
    .option('--mode <mode>', `one of: ${SEARCH_MODES.join(', ')}`, 'hybrid')
    .option('--json', 'print {"results":[...]} on one line')
    .action(async (query: string, options: { k: string; mode: string; json?: boolean }) => {
      const k = parseK(options.k);
      if (!(SEARCH_MODES as readonly string[]).includes(options.mode)) {
        throw new InvalidSearchOptionError(
          `--mode must be one of ${SEARCH_MODES.join(', ')} (got ${options.mode})`,
        );
      }
      // The embedding models and search backends take seconds to import: only this command
      // loads them, so every other command starts without.
      const [{ createEmbeddingModel }, { createSearchIndex }] = await Promise.all([
        import('../../integrations/embeddings/create-embedding-model.js'),
        import('../../integrations/search/create-search-index.js'),
      ]);
      const config = loadConfig();
      const mongo = await connectMongo(config.mongodb);
      let embeddings: EmbeddingModel | undefined;
      try {
        // Queries must be embedded by the model the index was built with: load the configured
        // one unless the index used the built-in hashing model (rebuilt from its id).
        const state = await readServingState(mongo.db);
        if (options.mode !== 'text' && state && state.embedding.provider !== HASHING_PROVIDER) {
          embeddings = await createEmbeddingModel(config.models);
        }
        const index = createSearchIndex(mongo.db, config.rag, embeddings);
        const started = performance.now();
        const results = await index.search(query, { k, mode: options.mode as SearchMode });
        const elapsed = performance.now() - started;
        const rows = results.map((result) => ({
          chunkId: result.chunkId,
          documentId: result.documentId,
          url: result.url,
          title: result.title,
          score: result.score,
          text: result.text,
        }));
        if (options.json) {
          printJson({ results: rows });
        } else {
          if (rows.length === 0)
            printLine('No results (is the rag index built? `second-brain run rag`).');
          rows.forEach((row, position) => {
            printLine(`${position + 1}. ${row.title || row.url} (${row.score.toFixed(4)})`);
            printLine(`   ${row.url}`);
            printLine(`   ${row.text.replace(/\s+/g, ' ').slice(0, 240)}`);
          });
        }
        note(
          `${rows.length} result(s) in ${elapsed.toFixed(1)} ms (${index.backend}, ${options.mode})`,
        );
      } finally {
        await mongo.close();
        await (embeddings as { dispose?: () => Promise<void> } | undefined)?.dispose?.();
      }
    });
}
