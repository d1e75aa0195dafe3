// What the ETL's activities are built from: injected by the worker, replaced by tests.
import type { PageCrawler } from '../../integrations/crawler/page-crawler.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import type { RawDocumentStore } from '../../integrations/mongo/stores/raw-documents.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';

export interface EtlDependencies {
  storage: ObjectStorage;
  raw: RawDocumentStore;
  /** The worker's crawler (one per process: its extraction threads are shared and kept warm). */
  crawler: PageCrawler;
  /** The chat model for LLM quality scoring; without one the LLM stage is skipped. */
  llm?: ChatModel;
  /** ETL_LLM_SCORING: whether `llm` is asked (auto skips a model known to score at random). */
  qualityScoring?: 'auto' | 'always' | 'never';
  /** Chat models `auto` does not ask: the bundled local model (composition root). */
  modelsUnfitForScoring?: readonly string[];
  /** First crawl retry delay (doubles per retry); tests shorten it. */
  crawlRetryBackoffMs?: number;
}
