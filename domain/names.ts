// Shared literals: task queues, workflow types, pipeline names and search attributes.
// Workflows, workers, clients and the CLI all import these, so a rename happens in one place.
// This module must stay free of imports: workflows/ may import it at runtime.

export const TASK_QUEUES = {
  /** Offline pipelines: collection, ETL, RAG indexing, dataset, training, evaluation. */
  offline: 'second-brain-offline',
  /** The online agent, on its own queue so heavy pipelines never slow answers. */
  agent: 'second-brain-agent',
} as const;

export type TaskQueueName = keyof typeof TASK_QUEUES;

/**
 * Every pipeline the CLI can start, with its workflow type and task queue.
 * Later issues add their pipelines here; the CLI and README read this table.
 */
export const PIPELINES = {
  'round-trip': {
    workflowType: 'roundTrip',
    taskQueue: TASK_QUEUES.offline,
    description: 'Writes and reads an object in S3 and a document in MongoDB (a smoke test).',
  },
  rag: {
    workflowType: 'ragIndex',
    taskQueue: TASK_QUEUES.offline,
    description: 'Chunks, contextualizes and embeds the raw documents into the rag search index.',
  },
  collect: {
    workflowType: 'collectNotionData',
    taskQueue: TASK_QUEUES.offline,
    description: 'Collects changed Notion database pages as Markdown documents into S3.',
  },
  refresh: {
    workflowType: 'refreshKnowledgeBase',
    taskQueue: TASK_QUEUES.offline,
    description: 'Runs collect (when Notion is configured), then ETL, then RAG indexing.',
  },
  dataset: {
    workflowType: 'generateDataset',
    taskQueue: TASK_QUEUES.offline,
    description: 'Distills a summarization dataset from the raw documents and versions it in S3.',
  },
  evaluate: {
    workflowType: 'evaluate',
    taskQueue: TASK_QUEUES.offline,
    description:
      'Runs the agent over an evaluation dataset and scores it (Opik judges, density, retrieval).',
  },
  etl: {
    workflowType: 'etl',
    taskQueue: TASK_QUEUES.offline,
    description: 'Crawls every linked page, converts it to Markdown, scores it, stores it in raw.',
  },
  'fine-tune': {
    workflowType: 'fineTune',
    taskQueue: TASK_QUEUES.offline,
    description:
      'Fine-tunes the summarizer on a dataset version (Unsloth), evaluates and registers it.',
  },
  'summarizer-endpoint': {
    workflowType: 'summarizerEndpoint',
    taskQueue: TASK_QUEUES.offline,
    description:
      'Creates or resumes the summarizer Inference Endpoint, then pauses it when idle (or: pause, status).',
  },
} as const satisfies Record<
  string,
  { workflowType: string; taskQueue: string; description: string }
>;

export type PipelineName = keyof typeof PIPELINES;

export const PIPELINE_NAMES = Object.keys(PIPELINES) as PipelineName[];

/**
 * Names pipelines were started under before each got one vocabulary (CLI, workflow type, file
 * names): still accepted by `run` and schedules.json, so scripts and schedule files keep working.
 */
export const PIPELINE_ALIASES = {
  train: 'fine-tune',
  eval: 'evaluate',
  endpoint: 'summarizer-endpoint',
} as const satisfies Record<string, PipelineName>;

/** The pipeline a name or an old alias stands for; undefined for an unknown name. */
export function resolvePipelineName(name: string): PipelineName | undefined {
  if (Object.hasOwn(PIPELINES, name)) return name as PipelineName;
  return Object.hasOwn(PIPELINE_ALIASES, name)
    ? PIPELINE_ALIASES[name as keyof typeof PIPELINE_ALIASES]
    : undefined;
}

/** Custom search attributes registered on the Temporal server; users filter runs with them. */
export const SEARCH_ATTRIBUTES = {
  pipeline: { name: 'Pipeline', type: 'KEYWORD' },
  trigger: { name: 'Trigger', type: 'KEYWORD' },
  documentCount: { name: 'DocumentCount', type: 'INT' },
} as const;

/** Names of MongoDB collections, shared by activities, search and the CLI. */
export const COLLECTIONS = {
  roundTrip: 'round_trip',
  raw: 'raw',
  rag: 'rag',
  /** The serving rag index version (one pointer document) and the plans of builds. */
  ragIndexState: 'rag_index_state',
  /** Contextual-retrieval contexts, keyed by (document hash, chunk hash, model). */
  ragContextCache: 'rag_context_cache',
  datasets: 'datasets',
  traces: 'traces',
  llmCache: 'llm_cache',
  /** Per Notion database: the start time of the last successful collection run. */
  collectionCursors: 'collection_cursors',
  /** Per Notion page: the last_edited_time of the version stored in S3, and whether archived. */
  notionPages: 'notion_pages',
  /** One teacher answer per (document content, loop, teacher, prompt): the dataset's LLM work. */
  datasetSamples: 'dataset_samples',
  /** The agent: one document per conversation, per finished turn, per agent step, per UI event. */
  conversations: 'conversations',
  conversationTurns: 'conversation_turns',
  agentSteps: 'agent_steps',
  agentModelCalls: 'agent_model_calls',
  turnEvents: 'turn_events',
  /** Per turn: the answer as far as the model has generated it (the token side channel). */
  turnLiveText: 'turn_live_text',
  /** One training job per (workflow, launch): the idempotency record of fineTune's launches. */
  trainingJobs: 'training_jobs',
  /** The model registry: one fine-tuned model per repo revision, with loss curve and ROUGE. */
  models: 'models',
  /** Evaluation: dataset versions (questions, labels), per-question results, and runs. */
  evaluationDatasets: 'evaluation_datasets',
  evaluationResults: 'evaluation_results',
  evaluationRuns: 'evaluation_runs',
  /** One document per Inference Endpoint (namespace/name): its model, state and URL. */
  inferenceEndpoints: 'inference_endpoints',
  /** Per refresh key and stage: the result of a finished stage (a re-run redoes only the rest). */
  refreshStages: 'refresh_stages',
  /** One document per endpoint URL: when a summarizer last called it (the idle timer's input). */
  endpointUsage: 'endpoint_usage',
} as const;

/** The agent's conversation workflow and its message names (workflow id = conversation id). */
export const AGENT = {
  workflowType: 'conversation',
  askUpdate: 'ask',
  stateQuery: 'state',
} as const;

/** The summarizerEndpoint workflow's messages; one `ensure` workflow per endpoint name. */
export const SUMMARIZER_ENDPOINT = {
  /** The endpoint as the workflow last saw it: state and URL. */
  stateQuery: 'endpoint',
  /** Someone is about to use the endpoint: restart the idle timer. */
  touchSignal: 'touch',
} as const;

/** The id of the long-running `ensure` workflow of an endpoint, so there is one per endpoint. */
export function summarizerEndpointWorkflowId(endpointName: string): string {
  return `summarizer-endpoint-${endpointName}`;
}

/** Prefixes of S3 keys; domain/storage-layout.ts documents the whole bucket layout. */
export const STORAGE_PREFIXES = {
  roundTrip: 'round-trip/',
  documents: 'documents/',
  runs: 'runs/',
  datasets: 'datasets/',
  models: 'models/',
  evaluations: 'evaluations/',
} as const;
