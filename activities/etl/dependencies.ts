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
  /** First crawl retry delay (doubles per retry); tests shorten it. */
  crawlRetryBackoffMs?: number;
}
