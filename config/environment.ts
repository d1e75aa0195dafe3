// The one place that reads process.env. Every variable, its default and its meaning live here;
// .env.example documents the same list and a test keeps the two in step.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isLoopbackHost } from '../domain/address-ranges.js';
import { AGENT_MODES, type AgentMode } from '../domain/answering/agent-mode.js';
import { DEFAULT_MIN_COVERAGE } from '../domain/answering/relevance.js';
import { AGENT_SEARCH_K } from '../domain/ranking/search-defaults.js';
import { registerSecret } from '../domain/secret-redaction.js';

/** The training program shipped with the repo (training/train_summarizer.py). */
export const TRAINING_PROGRAM_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../training/train_summarizer.py',
);

const port = z.coerce.number().int().min(1).max(65535);
const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));
const optionalUrl = optionalString.pipe(z.url().optional());
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** A LanceDB location; an s3:// URI gets the S3 endpoint and credentials as object-store options. */
function lanceDbLocation(
  uri: string,
  s3Endpoint: string,
  env: { S3_REGION: string; S3_ACCESS_KEY_ID: string; S3_SECRET_ACCESS_KEY: string },
): { uri: string; storageOptions?: Record<string, string> } {
  if (!uri.startsWith('s3://')) return { uri };
  return {
    uri,
    storageOptions: {
      endpoint: s3Endpoint,
      region: env.S3_REGION,
      aws_access_key_id: env.S3_ACCESS_KEY_ID,
      aws_secret_access_key: env.S3_SECRET_ACCESS_KEY,
      // Local S3 servers (versitygw, MinIO) speak plain HTTP and path-style URLs.
      allow_http: String(s3Endpoint.startsWith('http://')),
      virtual_hosted_style_request: 'false',
    },
  };
}

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

  // RAG retrieval: `local` ranks in each worker's memory (FerretDB, MongoDB Community); `lancedb`
  // queries on-disk LanceDB tables (one per index version, shared by every worker); `atlas` uses
  // Atlas Search. lancedb is not the default yet: see docs/benchmarks.md, "Search at scale".
  RAG_SEARCH_BACKEND: z.enum(['local', 'lancedb', 'atlas']).default('local'),
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

/** The resolved configuration the rest of the code reads; never process.env directly. */
/** The payload codec's key ring: every key decrypts, `activeKeyId` seals new payloads. */
export interface PayloadEncryptionConfig {
  /** Oldest first; each key is 32 bytes, base64-encoded. */
  readonly keys: ReadonlyArray<{ readonly id: string; readonly key: string }>;
  readonly activeKeyId: string;
  /** Accept unencrypted payloads on decode (only while migrating old histories). */
  readonly allowPlaintext: boolean;
}

/** The id of the key in PAYLOAD_ENCRYPTION_KEY when PAYLOAD_ENCRYPTION_KEY_ID is unset. */
export const DEFAULT_ENCRYPTION_KEY_ID = 'default';

function payloadEncryption(env: Environment): PayloadEncryptionConfig | undefined {
  const ring = env.PAYLOAD_ENCRYPTION_KEYS;
  if (ring && env.PAYLOAD_ENCRYPTION_KEY)
    throw new ConfigError([
      'PAYLOAD_ENCRYPTION_KEY: set either it or PAYLOAD_ENCRYPTION_KEYS (move the key into the ring as id:key)',
    ]);
  const keys =
    ring ??
    (env.PAYLOAD_ENCRYPTION_KEY
      ? [
          {
            id: env.PAYLOAD_ENCRYPTION_KEY_ID ?? DEFAULT_ENCRYPTION_KEY_ID,
            key: env.PAYLOAD_ENCRYPTION_KEY,
          },
        ]
      : []);
  if (keys.length === 0) {
    if (env.PAYLOAD_ENCRYPTION_KEY_ID && ring)
      throw new ConfigError(['PAYLOAD_ENCRYPTION_KEYS: the ring is empty']);
    return undefined;
  }
  const activeKeyId = env.PAYLOAD_ENCRYPTION_KEY_ID ?? keys.at(-1)!.id;
  if (!keys.some((entry) => entry.id === activeKeyId))
    throw new ConfigError([
      `PAYLOAD_ENCRYPTION_KEY_ID: "${activeKeyId}" is not in PAYLOAD_ENCRYPTION_KEYS (ids: ${keys.map((entry) => entry.id).join(', ')})`,
    ]);
  return { keys, activeKeyId, allowPlaintext: env.PAYLOAD_ENCRYPTION_ALLOW_PLAINTEXT };
}

export interface Config {
  readonly dataDirectory: string;
  readonly toolsDirectory: string;
  readonly logLevel: Environment['LOG_LEVEL'];
  readonly workflowBundleDirectory: string | undefined;
  readonly temporal: {
    /** Address of an external server, or undefined when the embedded dev server is used. */
    readonly externalAddress: string | undefined;
    readonly address: string;
    readonly namespace: string;
    readonly port: number;
    readonly uiPort: number;
    readonly uiUrl: string;
    /** Temporal Cloud API key (sent as a bearer token over TLS). */
    readonly apiKey: string | undefined;
    /** mTLS client certificate and key files (PEM), for namespaces that use certificates. */
    readonly tlsCertificatePath: string | undefined;
    readonly tlsKeyPath: string | undefined;
    /** Whether the connection uses TLS: with an API key or a certificate, or TEMPORAL_TLS. */
    readonly tls: boolean;
    /** When set, payloads are encrypted before they reach the server. */
    readonly encryption: PayloadEncryptionConfig | undefined;
  };
  readonly mongodb: {
    readonly externalUri: string | undefined;
    readonly uri: string;
    readonly database: string;
    readonly localPort: number;
  };
  readonly s3: {
    readonly externalEndpoint: string | undefined;
    readonly endpoint: string;
    readonly bucket: string;
    readonly region: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly localPort: number;
  };
  readonly rag: {
    readonly searchBackend: Environment['RAG_SEARCH_BACKEND'];
    readonly atlasFusion: Environment['RAG_ATLAS_FUSION'];
    /** The LanceDB tables' location (backend lancedb). */
    readonly lancedb: { readonly uri: string; readonly storageOptions?: Record<string, string> };
  };
  readonly serve: {
    readonly host: string;
    readonly port: number;
    readonly apiToken: string | undefined;
    /** Extra names the Host header may carry. */
    readonly allowedHosts: readonly string[];
    readonly maxEventStreams: number;
    readonly eventStreamMs: number;
  };
  /** `import` size limits (integrations/import/zip-archive.ts). */
  readonly import: {
    readonly maxEntries: number;
    readonly maxFileBytes: number;
    readonly maxTotalBytes: number;
    readonly maxCompressionRatio: number;
  };
  readonly demoSitePort: number;
  readonly notion: {
    /** The integration token; a secret: never log it or put it in workflow history. */
    readonly token: string | undefined;
    readonly databaseIds: readonly string[];
    readonly apiUrl: string;
    readonly requestsPerSecond: number;
    readonly childPages: Environment['NOTION_CHILD_PAGES'];
  };
  readonly interactive: boolean;
  readonly models: {
    /** Where `models pull` puts local weights. */
    readonly directory: string;
    readonly llm: {
      readonly provider: ModelProvider;
      readonly model: string;
      readonly baseUrl: string | undefined;
      readonly contextSize: number;
      readonly threads: number;
      readonly timeoutMs: number;
      /** OPENAI_API_KEY or HF_TOKEN, whichever the provider uses. Never log it. */
      readonly apiKey: string | undefined;
      readonly endpointUrl: string | undefined;
    };
    readonly embeddings: {
      readonly provider: ModelProvider;
      readonly model: string;
      readonly baseUrl: string | undefined;
      readonly dimensions: number | undefined;
      readonly threads: number;
      readonly timeoutMs: number;
      readonly apiKey: string | undefined;
      readonly endpointUrl: string | undefined;
    };
  };
  readonly huggingFaceHub: {
    /** Never log it. */
    readonly token: string | undefined;
    readonly url: string;
    readonly datasetRepo: string | undefined;
  };
  readonly training: {
    /** The `local` backend's command (the config path and --dry-run are appended). */
    readonly localCommand: readonly string[];
    /** Where `local` jobs keep their folders (config, dataset, output.log, exit code). */
    readonly jobsDirectory: string;
    readonly programPath: string;
    readonly jobsImage: string;
    readonly jobsNamespace: string | undefined;
    readonly modelRepo: string | undefined;
  };
  readonly summarizer: {
    readonly endpointUrl: string | undefined;
    readonly endpointModel: string;
    /** The Inference Endpoint `summarizerEndpoint` manages. */
    readonly endpointName: string;
    readonly endpointNamespace: string | undefined;
    readonly endpointsApiUrl: string;
  };
  readonly agent: {
    readonly maxSteps: number;
    readonly mode: AgentMode;
    readonly answerTimeoutMs: number;
    readonly searchK: number;
    readonly minCoverage: number;
    readonly turnsPerRun: number;
  };
  readonly opik: {
    /** True when traces and experiments go to Opik (a URL or an API key is set). */
    readonly enabled: boolean;
    /** Never log it. */
    readonly apiKey: string | undefined;
    /** Unset = Comet cloud (https://www.comet.com/opik/api). */
    readonly url: string | undefined;
    readonly workspace: string | undefined;
    readonly projectName: string;
  };
  /** The evaluation judge: the provider and model of the chat model that scores answers. */
  readonly evaluation: {
    readonly judgeProvider: ModelProvider;
    readonly judgeModel: string;
    /** True when the judge is the worker's own chat model (no second model is loaded). */
    readonly judgeIsWorkerModel: boolean;
    /** OPENAI_API_KEY or HF_TOKEN, whichever the judge's provider uses. Never log it. */
    readonly judgeApiKey: string | undefined;
  };
}

function judgeSettings(env: Environment): Config['evaluation'] {
  const judgeProvider = env.EVAL_JUDGE_PROVIDER ?? env.LLM_PROVIDER;
  const workerModel = env.LLM_MODEL ?? DEFAULT_MODELS.llm[env.LLM_PROVIDER];
  const judgeModel =
    env.EVAL_JUDGE_MODEL ??
    (judgeProvider === env.LLM_PROVIDER ? workerModel : DEFAULT_MODELS.llm[judgeProvider]);
  return {
    judgeProvider,
    judgeModel,
    judgeIsWorkerModel: judgeProvider === env.LLM_PROVIDER && judgeModel === workerModel,
    judgeApiKey: judgeProvider === 'huggingface' ? env.HF_TOKEN : env.OPENAI_API_KEY,
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment, naming every problem at once rather than the first one. */
export function loadConfig(
  environment: Record<string, string | undefined> = process.env,
  workingDirectory: string = process.cwd(),
): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const value = environment[name];
        return `${name}: ${issue.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`;
      }),
    );
  }
  const env = parsed.data;
  // Every secret this process may hold: redacted from failure messages, stacks and histories.
  for (const name of [
    'NOTION_TOKEN',
    'OPENAI_API_KEY',
    'HF_TOKEN',
    'API_TOKEN',
    'OPIK_API_KEY',
    'PAYLOAD_ENCRYPTION_KEY',
    'S3_SECRET_ACCESS_KEY',
    'TEMPORAL_API_KEY',
  ] as const)
    registerSecret(name, env[name]);
  for (const entry of env.PAYLOAD_ENCRYPTION_KEYS ?? [])
    registerSecret(`PAYLOAD_ENCRYPTION_KEYS (${entry.id})`, entry.key);
  if ((env.TEMPORAL_TLS_CERT_PATH === undefined) !== (env.TEMPORAL_TLS_KEY_PATH === undefined)) {
    throw new ConfigError([
      'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH: set both (an mTLS client certificate and its key) or neither',
    ]);
  }
  if (!isLoopbackHost(env.SERVE_HOST) && !env.API_TOKEN) {
    throw new ConfigError([
      `API_TOKEN: required when SERVE_HOST is not a loopback address (got SERVE_HOST=${JSON.stringify(env.SERVE_HOST)})`,
    ]);
  }
  const loopback = '127.0.0.1';
  return {
    dataDirectory: path.resolve(workingDirectory, env.SECOND_BRAIN_DATA_DIR),
    toolsDirectory: path.resolve(workingDirectory, env.SECOND_BRAIN_TOOLS_DIR),
    logLevel: env.LOG_LEVEL,
    workflowBundleDirectory:
      env.SECOND_BRAIN_WORKFLOW_BUNDLES === undefined
        ? undefined
        : path.resolve(workingDirectory, env.SECOND_BRAIN_WORKFLOW_BUNDLES),
    temporal: {
      externalAddress: env.TEMPORAL_ADDRESS,
      address: env.TEMPORAL_ADDRESS ?? `${loopback}:${env.TEMPORAL_PORT}`,
      namespace: env.TEMPORAL_NAMESPACE,
      port: env.TEMPORAL_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      uiUrl: (env.TEMPORAL_UI_URL ?? `http://${loopback}:${env.TEMPORAL_UI_PORT}`).replace(
        /\/$/,
        '',
      ),
      apiKey: env.TEMPORAL_API_KEY,
      tlsCertificatePath: env.TEMPORAL_TLS_CERT_PATH,
      tlsKeyPath: env.TEMPORAL_TLS_KEY_PATH,
      tls:
        env.TEMPORAL_TLS ??
        (env.TEMPORAL_API_KEY !== undefined || env.TEMPORAL_TLS_CERT_PATH !== undefined),
      encryption: payloadEncryption(env),
    },
    mongodb: {
      externalUri: env.MONGODB_URI,
      uri: env.MONGODB_URI ?? `mongodb://${loopback}:${env.LOCAL_MONGODB_PORT}/`,
      database: env.MONGODB_DATABASE,
      localPort: env.LOCAL_MONGODB_PORT,
    },
    s3: {
      externalEndpoint: env.S3_ENDPOINT,
      endpoint: env.S3_ENDPOINT ?? `http://${loopback}:${env.LOCAL_S3_PORT}`,
      bucket: env.S3_BUCKET,
      region: env.S3_REGION,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      localPort: env.LOCAL_S3_PORT,
    },
    rag: {
      searchBackend: env.RAG_SEARCH_BACKEND,
      atlasFusion: env.RAG_ATLAS_FUSION,
      lancedb: lanceDbLocation(
        env.RAG_LANCEDB_URI ?? path.resolve(workingDirectory, env.SECOND_BRAIN_DATA_DIR, 'lancedb'),
        env.S3_ENDPOINT ?? `http://${loopback}:${env.LOCAL_S3_PORT}`,
        env,
      ),
    },
    serve: {
      host: env.SERVE_HOST,
      port: env.SERVE_PORT,
      apiToken: env.API_TOKEN,
      allowedHosts: env.SERVE_ALLOWED_HOSTS,
      maxEventStreams: env.SERVE_MAX_EVENT_STREAMS,
      eventStreamMs: env.SERVE_EVENT_STREAM_SECS * 1000,
    },
    import: {
      maxEntries: env.IMPORT_MAX_ENTRIES,
      maxFileBytes: env.IMPORT_MAX_FILE_BYTES,
      maxTotalBytes: env.IMPORT_MAX_TOTAL_BYTES,
      maxCompressionRatio: env.IMPORT_MAX_COMPRESSION_RATIO,
    },
    demoSitePort: env.DEMO_SITE_PORT,
    notion: {
      token: env.NOTION_TOKEN,
      databaseIds: env.NOTION_DATABASE_IDS,
      apiUrl: env.NOTION_API_URL.replace(/\/$/, ''),
      requestsPerSecond: env.NOTION_REQUESTS_PER_SECOND,
      childPages: env.NOTION_CHILD_PAGES,
    },
    // Progress goes to stderr, which stays a terminal under `start | tee log`.
    interactive: !env.CI && Boolean(process.stderr.isTTY),
    models: {
      directory: path.resolve(workingDirectory, env.MODELS_DIR),
      llm: {
        provider: env.LLM_PROVIDER,
        model: env.LLM_MODEL ?? DEFAULT_MODELS.llm[env.LLM_PROVIDER],
        baseUrl: env.LLM_BASE_URL,
        contextSize: env.LLM_CONTEXT_SIZE,
        threads: env.LLM_THREADS,
        timeoutMs: env.LLM_TIMEOUT_MS,
        apiKey: env.LLM_PROVIDER === 'huggingface' ? env.HF_TOKEN : env.OPENAI_API_KEY,
        endpointUrl: env.HF_ENDPOINT_URL,
      },
      embeddings: {
        provider: env.EMBEDDING_PROVIDER,
        model: env.EMBEDDING_MODEL ?? DEFAULT_MODELS.embeddings[env.EMBEDDING_PROVIDER],
        baseUrl: env.EMBEDDING_BASE_URL,
        dimensions: env.EMBEDDING_DIMENSIONS,
        threads: env.EMBEDDING_THREADS,
        timeoutMs: env.LLM_TIMEOUT_MS,
        apiKey: env.EMBEDDING_PROVIDER === 'huggingface' ? env.HF_TOKEN : env.OPENAI_API_KEY,
        endpointUrl: env.HF_EMBEDDING_ENDPOINT_URL,
      },
    },
    huggingFaceHub: {
      token: env.HF_TOKEN,
      url: env.HF_HUB_URL.replace(/\/$/, ''),
      datasetRepo: env.DATASET_REPO,
    },
    training: {
      localCommand:
        env.TRAINING_LOCAL_COMMAND === undefined
          ? ['python3', TRAINING_PROGRAM_PATH]
          : env.TRAINING_LOCAL_COMMAND.split(/\s+/).filter(Boolean),
      jobsDirectory: path.resolve(workingDirectory, env.SECOND_BRAIN_DATA_DIR, 'training-jobs'),
      programPath: TRAINING_PROGRAM_PATH,
      jobsImage: env.TRAINING_JOBS_IMAGE,
      jobsNamespace: env.HF_JOBS_NAMESPACE,
      modelRepo: env.MODEL_REPO,
    },
    summarizer: {
      endpointUrl: env.SUMMARIZER_ENDPOINT_URL,
      endpointModel: env.SUMMARIZER_ENDPOINT_MODEL,
      endpointName: env.SUMMARIZER_ENDPOINT_NAME,
      endpointNamespace: env.HF_ENDPOINTS_NAMESPACE,
      endpointsApiUrl: env.HF_ENDPOINTS_API_URL.replace(/\/$/, ''),
    },
    agent: {
      maxSteps: env.AGENT_MAX_STEPS,
      mode: env.AGENT_MODE,
      answerTimeoutMs: env.AGENT_ANSWER_TIMEOUT_MS,
      searchK: env.AGENT_SEARCH_K,
      minCoverage: env.AGENT_MIN_COVERAGE,
      turnsPerRun: env.AGENT_TURNS_PER_RUN,
    },
    opik: {
      enabled: env.OPIK_URL_OVERRIDE !== undefined || env.OPIK_API_KEY !== undefined,
      apiKey: env.OPIK_API_KEY,
      url: env.OPIK_URL_OVERRIDE?.replace(/\/$/, ''),
      workspace: env.OPIK_WORKSPACE,
      projectName: env.OPIK_PROJECT_NAME,
    },
    evaluation: judgeSettings(env),
  };
}
