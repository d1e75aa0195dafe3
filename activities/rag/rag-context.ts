// What every ragIndex activity shares: its injected dependencies, the stores, the model
// resolution (the worker's models checked against the settings) and the build plan's store.
import { Context } from '@temporalio/activity';
import { cl100kTokenizer, type Tokenizer } from '../../domain/chunking/tokenizer.js';
import { SecondBrainError } from '../../domain/errors.js';
import { indexConfigKey } from '../../domain/rag/index-fingerprint.js';
import type { RagIndexSettings } from '../../domain/rag/rag-index.js';
import type { RagBuildPlan } from '../../domain/rag/rag-records.js';
import type { EmbeddingModel } from '../../integrations/embeddings/embedding-model.js';
import {
  HASHING_PROVIDER,
  HashingEmbeddingModel,
} from '../../integrations/embeddings/hashing-embedding-model.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import type { MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import type { RagContextCache } from '../../integrations/mongo/stores/rag-context-cache.js';
import type { RawDocumentStore } from '../../integrations/mongo/stores/raw-documents.js';
import type { SearchTablePublisher } from '../../integrations/search/lancedb-search-index.js';
import { ragCollection, ragStateCollection } from '../../integrations/search/rag-records.js';

export interface RagActivityDependencies {
  mongo: MongoDatabase;
  /** The ETL's documents: what the index plans from and chunks. */
  raw: Pick<RawDocumentStore, 'indexCandidates' | 'contents' | 'fieldsByIds'>;
  /** Contextual retrieval's LLM texts, cached across builds. */
  contextCache: RagContextCache;
  /** The worker's embedding model (`embeddingProvider: 'default'`), or its loader. */
  embeddings?: EmbeddingModel | (() => Promise<EmbeddingModel>);
  /** The chat model for contextual retrieval (contextualMode simple/full), or its loader. */
  llm?: ChatModel | (() => Promise<ChatModel>);
  /** Why the worker's models could not load (e.g. "run second-brain models pull"). */
  modelProblems?: string[];
  tokenizer?: Tokenizer;
  /** Search tables published at activation (the LanceDB backend); none for local/atlas. */
  searchTables?: SearchTablePublisher;
}

export type RagContext = ReturnType<typeof createRagContext>;

export function planId(buildVersion: string): string {
  return `build:${buildVersion}`;
}

export function heartbeat(details: unknown): void {
  // Outside a Temporal activity (e.g. a direct call in a script) there is nothing to heartbeat.
  try {
    Context.current().heartbeat(details);
  } catch {
    /* not in an activity */
  }
}

export function createRagContext(dependencies: RagActivityDependencies) {
  const { db } = dependencies.mongo;
  const tokenizer = dependencies.tokenizer ?? cl100kTokenizer();
  const rag = ragCollection(db);
  const state = ragStateCollection(db);

  const problems = () =>
    dependencies.modelProblems && dependencies.modelProblems.length > 0
      ? ` (${dependencies.modelProblems.join('; ')})`
      : '';

  async function embeddingModel(settings: RagIndexSettings): Promise<EmbeddingModel> {
    let model: EmbeddingModel | undefined;
    if (settings.embeddingProvider === HASHING_PROVIDER) {
      model = new HashingEmbeddingModel();
    } else {
      const source = dependencies.embeddings;
      model = typeof source === 'function' ? await source() : source;
      if (!model) {
        throw new SecondBrainError(
          'validation',
          `No embedding model is available on this worker${problems()}; configure one, or run with {"embeddingProvider":"hashing"} for the built-in lexical model`,
        );
      }
      if (
        settings.embeddingProvider !== 'default' &&
        settings.embeddingProvider !== model.provider
      ) {
        throw new SecondBrainError(
          'validation',
          `embeddingProvider "${settings.embeddingProvider}" was asked for, but this worker serves "${model.provider}"`,
        );
      }
    }
    if (settings.embeddingModel && settings.embeddingModel !== model.modelId) {
      throw new SecondBrainError(
        'validation',
        `embeddingModel "${settings.embeddingModel}" was asked for, but the ${model.provider} provider serves "${model.modelId}"`,
      );
    }
    return model;
  }

  async function chatModel(settings: RagIndexSettings): Promise<ChatModel | undefined> {
    if (settings.contextualMode === 'none') return undefined;
    const source = dependencies.llm;
    const llm = typeof source === 'function' ? await source() : source;
    if (!llm) {
      throw new SecondBrainError(
        'validation',
        `contextualMode "${settings.contextualMode}" needs a chat model, and none is available on this worker${problems()}; use contextualMode "none" or configure one`,
      );
    }
    return llm;
  }

  return {
    db,
    rag,
    state,
    raw: dependencies.raw,
    contextCache: dependencies.contextCache,
    tokenizer,
    searchTables: dependencies.searchTables,
    embeddingModel,
    chatModel,
    configKey(settings: RagIndexSettings, model: EmbeddingModel, llm: ChatModel | undefined) {
      return indexConfigKey(settings, tokenizer.name, model, llm);
    },
    async readPlan(buildVersion: string): Promise<RagBuildPlan> {
      const plan = await state.findOne({ _id: planId(buildVersion) });
      if (!plan || !('kind' in plan)) {
        throw new SecondBrainError('notFound', `No plan for rag build ${buildVersion}`);
      }
      return plan;
    },
  };
}
