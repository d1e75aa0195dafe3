// What the agent's activities are built from, once, by the agent worker.
import type { AgentMode } from '../../domain/answering/agent-mode.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import type { Summarizer } from '../../integrations/llm/summarizer.js';
import type { MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import type { AgentCollections } from '../../integrations/mongo/stores/agent-turns.js';
import type { Retriever } from '../../integrations/search/retriever.js';
import type { KnowledgeBaseSources } from './what-can-i-do.js';

export interface AgentSettings {
  mode: AgentMode;
  answerTimeoutMs: number;
  searchK: number;
  minCoverage: number;
}

export interface AgentActivityDependencies {
  mongo: MongoDatabase;
  llm: ChatModel;
  retriever: Retriever;
  summarizer?: Summarizer;
  /** `config.agent`: the defaults live in config/environment.ts. */
  settings: AgentSettings;
}

/** The dependencies every agent activity reads, resolved once. */
export interface AgentContext {
  mongo: MongoDatabase;
  llm: ChatModel;
  retriever: Retriever;
  summarizer: Summarizer;
  collections: AgentCollections;
  /** What the what_can_i_do overview reads. */
  knowledgeBase: KnowledgeBaseSources;
  settings: AgentSettings;
}

/** How many earlier turns the model sees verbatim; older ones reach it as the summary. */
export const RECENT_TURNS_IN_PROMPT = 2;
