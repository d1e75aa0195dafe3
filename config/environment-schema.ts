// Every environment variable the platform reads, its default and its meaning: one zod schema.
// .env.example documents the same list and a test keeps the two in step; loadConfig
// (config/environment.ts) turns the parsed variables into the Config the code reads.
import { z } from 'zod';
import { AGENT_MODES } from '../domain/answering/agent-mode.js';
import { DEFAULT_MIN_COVERAGE } from '../domain/answering/relevance.js';
import { AGENT_SEARCH_K } from '../domain/ranking/search-defaults.js';

export const port = z.coerce.number().int().min(1).max(65535);
const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));
const optionalUrl = optionalString.pipe(z.url().optional());
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** `import` limits when IMPORT_MAX_* are unset (also the defaults of importDocuments). */
export const IMPORT_LIMIT_DEFAULTS = {
  maxEntries: 50_000,
  maxFileBytes: 32 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  maxCompressionRatio: 200,
} as const;

export const environmentSchema = z.object({
  // Where the embedded infrastructure keeps pid files, data and logs, and where tools are installed.
  SECOND_BRAIN_DATA_DIR: z.string().default('.data'),
  SECOND_BRAIN_TOOLS_DIR: z.string().default('.tools'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  // Directory of prebuilt workflow bundles (offline.js, agent.js); workers bundle at start without it.
  SECOND_BRAIN_WORKFLOW_BUNDLES: optionalString,

  // Temporal: when TEMPORAL_ADDRESS is set, that server is used and none is started.
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_URL: optionalUrl,
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  // A managed server (Temporal Cloud): an API key, or an mTLS client certificate and key (PEM
  // files). TLS is on whenever either is set; TEMPORAL_TLS=true turns it on for server TLS alone.
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_TLS_CERT_PATH: optionalString,
  TEMPORAL_TLS_KEY_PATH: optionalString,
  TEMPORAL_TLS: booleanFlag.optional(),
  // Optional payload encryption (AES-256-GCM). Either one key (PAYLOAD_ENCRYPTION_KEY, named by
  // PAYLOAD_ENCRYPTION_KEY_ID) or a key ring for rotation (PAYLOAD_ENCRYPTION_KEYS, `id:base64`
  // entries, oldest first; PAYLOAD_ENCRYPTION_KEY_ID picks the sealing key, else the last one).
  PAYLOAD_ENCRYPTION_KEY: optionalString.pipe(
    z
      .string()
      .refine(
        (value) => Buffer.from(value, 'base64').length === 32,
        'must be 32 bytes, base64-encoded',
      )
      .optional(),
  ),
  PAYLOAD_ENCRYPTION_KEYS: optionalString.pipe(
    z
      .string()
      .transform((value, context) => {
        const entries = value
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry !== '');
        const ring: Array<{ id: string; key: string }> = [];
        for (const entry of entries) {
          const separator = entry.indexOf(':');
          const id = separator > 0 ? entry.slice(0, separator) : '';
          const key = entry.slice(separator + 1);
          if (!id || Buffer.from(key, 'base64').length !== 32) {
            context.addIssue({
              code: 'custom',
              message: `entry ${ring.length + 1} must be id:base64 with a 32-byte key`,
            });
            return z.NEVER;
          }
          if (ring.some((known) => known.id === id)) {
            context.addIssue({ code: 'custom', message: `key id "${id}" appears twice` });
            return z.NEVER;
          }
          ring.push({ id, key });
        }
        return ring;
      })
      .optional(),
  ),
  PAYLOAD_ENCRYPTION_KEY_ID: optionalString,
  // Migration only: accept payloads written before encryption was turned on.
  PAYLOAD_ENCRYPTION_ALLOW_PLAINTEXT: booleanFlag.default(false),

  // MongoDB: when MONGODB_URI is set, that server is used; otherwise FerretDB is started.
  MONGODB_URI: optionalString.pipe(
    z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .optional(),
  ),
  MONGODB_DATABASE: z.string().min(1).default('second_brain'),
  LOCAL_MONGODB_PORT: port.default(27017),

  // S3: when S3_ENDPOINT is set, that server is used; otherwise versitygw (or MinIO) is started.
  S3_ENDPOINT: optionalUrl,
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
    .default('second-brain'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).default('second-brain-local'),
  S3_SECRET_ACCESS_KEY: z.string().min(8).default('second-brain-local-secret'),
  LOCAL_S3_PORT: port.default(7070),

  // RAG retrieval: `lancedb` queries on-disk LanceDB tables (one per index version, shared by
  // every worker; docs/benchmarks.md, "Search at scale"); `local` ranks in each worker's memory
  // (every vector and a BM25 index per worker, for small corpora); `atlas` uses Atlas Search.
  RAG_SEARCH_BACKEND: z.enum(['local', 'lancedb', 'atlas']).default('lancedb'),
  // Where the LanceDB tables live: a directory (default <SECOND_BRAIN_DATA_DIR>/lancedb) or
  // s3://bucket/prefix, reached with the S3_* endpoint and credentials.
  RAG_LANCEDB_URI: optionalString,
  // Atlas hybrid fusion: `client` (reciprocal rank fusion here) or `rankFusion` (MongoDB 8.0+).
  RAG_ATLAS_FUSION: z.enum(['client', 'rankFusion']).default('client'),
  // `second-brain serve`: the API, web UI and codec endpoint. Loopback by default; any other
  // address requires API_TOKEN (sent as a bearer token).
  SERVE_HOST: z.string().min(1).default('127.0.0.1'),
  SERVE_PORT: port.default(3000),
  // The demo library `start` serves on 127.0.0.1 beside the bundled sample (a free port if taken).
  DEMO_SITE_PORT: port.default(8737),
  API_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  // Host names (besides the bound address, and localhost when it is loopback) that requests may
  // name in their Host header, e.g. a reverse proxy's name; anything else is refused, so a web
  // page cannot reach the API through DNS rebinding.
  SERVE_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    ),
  // Live-answer streams (server-sent events): at most this many open at once, each closed
  // after this many seconds (a client reconnects and resumes from the durable events).
  SERVE_MAX_EVENT_STREAMS: z.coerce.number().int().min(1).max(10_000).default(32),
  SERVE_EVENT_STREAM_SECS: z.coerce.number().int().min(1).max(3_600).default(300),
  // `import`: most entries a zip may list, most bytes of one document (a plain file or an
  // entry's uncompressed size), most bytes one archive may inflate to, and the highest
  // compression ratio of an entry over 1 MiB. Checked from the zip's central directory before
  // anything is inflated; an entry is inflated no further than its checked size.
  IMPORT_MAX_ENTRIES: z.coerce.number().int().min(1).default(IMPORT_LIMIT_DEFAULTS.maxEntries),
  IMPORT_MAX_FILE_BYTES: z.coerce.number().int().min(1).default(IMPORT_LIMIT_DEFAULTS.maxFileBytes),
  IMPORT_MAX_TOTAL_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(IMPORT_LIMIT_DEFAULTS.maxTotalBytes),
  IMPORT_MAX_COMPRESSION_RATIO: z.coerce
    .number()
    .min(1)
    .default(IMPORT_LIMIT_DEFAULTS.maxCompressionRatio),
  // Notion: the integration token (a secret, never logged), the databases to collect, the API's
  // base URL (an emulator or proxy in tests), the per-worker request rate and how child pages render.
  NOTION_TOKEN: optionalString,
  NOTION_DATABASE_IDS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  NOTION_API_URL: z.url().default('https://api.notion.com'),
  NOTION_REQUESTS_PER_SECOND: z.coerce.number().positive().max(100).default(3),
  NOTION_CHILD_PAGES: z.enum(['inline', 'link']).default('inline'),

  // Set by CI; turns off interactive output such as progress bars.
  CI: booleanFlag.optional(),

  // Model providers (integrations/llm, integrations/embeddings). `local` needs no key and no
  // network once `second-brain models pull` has put the weights in MODELS_DIR.
  MODELS_DIR: z.string().default('.models'),
  LLM_PROVIDER: z.enum(['local', 'openai', 'huggingface']).default('local'),
  // Unset = the provider's default model (see DEFAULT_MODELS below).
  LLM_MODEL: optionalString,
  // An OpenAI-compatible server (Ollama, vLLM, LM Studio, TGI); unset = api.openai.com.
  LLM_BASE_URL: optionalUrl,
  // Context window in tokens used for budgets (and the local model's context size).
  LLM_CONTEXT_SIZE: z.coerce.number().int().min(256).default(4096),
  // CPU threads of the local LLM; 1 stays fast on a shared, busy machine (spinning threads stall).
  LLM_THREADS: z.coerce.number().int().min(1).max(256).default(1),
  // Per-request timeout of remote model calls; a timeout is a retryable failure.
  LLM_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120_000),
  // Whether the ETL asks the chat model to score the pages its heuristic leaves undecided.
  // auto: yes, unless the chat model is the bundled SmolLM2-135M, which cannot judge a page (it
  // rated every article of the demo library 0, "no idea"), so those pages stay unscored (null)
  // and are indexed; always: ask whichever model it is; never: do not ask.
  ETL_LLM_SCORING: z.enum(['auto', 'always', 'never']).default('auto'),
  OPENAI_API_KEY: optionalString,
  HF_TOKEN: optionalString,
  // A dedicated Hugging Face Inference Endpoint (e.g. your own fine-tuned summarizer).
  HF_ENDPOINT_URL: optionalUrl,
  EMBEDDING_PROVIDER: z.enum(['local', 'openai', 'huggingface']).default('local'),
  // Unset = the provider's default embedding model (see DEFAULT_MODELS below).
  EMBEDDING_MODEL: optionalString,
  EMBEDDING_BASE_URL: optionalUrl,
  // Vector size for remote embedding models; unset = the provider's default for the model.
  EMBEDDING_DIMENSIONS: optionalString
    .transform((value) => (value === undefined ? undefined : Number(value)))
    .pipe(z.number().int().min(1).optional()),
  // A dedicated Hugging Face endpoint serving feature extraction.
  HF_EMBEDDING_ENDPOINT_URL: optionalUrl,
  // CPU threads of the local embedding model (onnxruntime intra-op threads).
  EMBEDDING_THREADS: z.coerce.number().int().min(1).max(256).default(1),

  // Hugging Face Hub, where `generateDataset` publishes dataset versions (push: true).
  // Uses HF_TOKEN (above; it needs write access): unset = publishing is refused with an auth error.
  HF_HUB_URL: z.url().default('https://huggingface.co'),
  // "namespace/name" of the dataset repo; the workflow input's hubRepo overrides it.
  DATASET_REPO: optionalString.pipe(
    z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'must be "namespace/name"')
      .optional(),
  ),
  // Fine-tuning (`fineTune`). The command the `local` backend runs (split on spaces; the config
  // path and --dry-run are appended); unset = python3 training/train_summarizer.py.
  TRAINING_LOCAL_COMMAND: optionalString,
  // The Docker image of `hf-jobs` training jobs: Unsloth, TRL and huggingface_hub installed.
  TRAINING_JOBS_IMAGE: z.string().min(1).default('unsloth/unsloth:latest'),
  // The user or organization Hugging Face Jobs run under; unset = the output repo's namespace.
  HF_JOBS_NAMESPACE: optionalString,
  // "namespace/name" of the model repo the merged model goes to; the input's config.outputRepo wins.
  MODEL_REPO: optionalString.pipe(
    z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'must be "namespace/name"')
      .optional(),
  ),
  // The fine-tuned summarizer on a dedicated Inference Endpoint (OpenAI-compatible /v1 route);
  // unset = summaries come from the configured chat model. Uses HF_TOKEN.
  SUMMARIZER_ENDPOINT_URL: optionalUrl,
  // The model name the endpoint's server expects ("tgi" for TGI; the repo id for vLLM).
  SUMMARIZER_ENDPOINT_MODEL: z.string().min(1).default('tgi'),
  // `summarizerEndpoint`: the Inference Endpoint it creates, resumes and pauses (lowercase, at
  // most 32 characters), the user or organization it belongs to (unset = the model repo's
  // namespace), and the Inference Endpoints REST API (an emulator in tests). Uses HF_TOKEN.
  SUMMARIZER_ENDPOINT_NAME: z
    .string()
    .regex(
      /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/,
      'lowercase letters, digits and "-", at most 32 characters',
    )
    .default('second-brain-summarizer'),
  HF_ENDPOINTS_NAMESPACE: optionalString,
  HF_ENDPOINTS_API_URL: z.url().default('https://api.endpoints.huggingface.cloud'),

  // The agent: model steps per question at most in the tool loop (the last one must answer),
  // the answer path (domain/answering/agent-mode.ts), how long an answer may take to write,
  // passages per question, the relevance threshold, and turns per conversation run before it
  // continues as new with a summary of the older turns.
  AGENT_MAX_STEPS: z.coerce.number().int().min(1).max(20).default(4),
  AGENT_MODE: z.enum(AGENT_MODES).default('auto'),
  AGENT_ANSWER_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(45_000),
  AGENT_SEARCH_K: z.coerce.number().int().min(1).max(20).default(AGENT_SEARCH_K),
  AGENT_MIN_COVERAGE: z.coerce.number().min(0).max(1).default(DEFAULT_MIN_COVERAGE),
  AGENT_TURNS_PER_RUN: z.coerce.number().int().min(1).max(500).default(20),

  // Opik (https://www.comet.com/docs/opik): traces of every LLM step and evaluation
  // experiments are exported when OPIK_URL_OVERRIDE (a self-hosted Opik) or OPIK_API_KEY (Comet
  // cloud, with OPIK_WORKSPACE) is set. Traces are always stored in MongoDB (`traces`) too.
  OPIK_API_KEY: optionalString,
  OPIK_URL_OVERRIDE: optionalUrl,
  OPIK_WORKSPACE: optionalString,
  OPIK_PROJECT_NAME: z.string().min(1).default('second-brain'),
  // The evaluation judge (Hallucination, AnswerRelevance, Moderation, summary density): unset =
  // the worker's chat model (LLM_PROVIDER / LLM_MODEL).
  EVAL_JUDGE_PROVIDER: optionalString.pipe(z.enum(['local', 'openai', 'huggingface']).optional()),
  EVAL_JUDGE_MODEL: optionalString,
});

/** The model each provider uses when LLM_MODEL / EMBEDDING_MODEL are unset. */
export const DEFAULT_MODELS = {
  llm: {
    local: 'SmolLM2-135M-Instruct-Q4_1',
    openai: 'gpt-4o-mini',
    huggingface: 'meta-llama/Llama-3.1-8B-Instruct',
  },
  embeddings: {
    local: 'all-MiniLM-L6-v2',
    openai: 'text-embedding-3-small',
    huggingface: 'sentence-transformers/all-MiniLM-L6-v2',
  },
} as const;

export type ModelProvider = Environment['LLM_PROVIDER'];

export type Environment = z.infer<typeof environmentSchema>;
