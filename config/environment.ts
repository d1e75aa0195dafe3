// The one place that reads process.env: parses it with the one schema
// (config/environment-schema.ts), names every problem at once, and resolves the Config
// (config/config.ts) the rest of the code reads.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLoopbackHost } from '../domain/address-ranges.js';
import { registerSecret } from '../domain/secret-redaction.js';
import type { Config, PayloadEncryptionConfig } from './config.js';
import { DEFAULT_MODELS, environmentSchema, type Environment } from './environment-schema.js';

// Importers read the schema, its defaults and the Config through this one module.
export * from './environment-schema.js';
export type * from './config.js';

/** The training program shipped with the repo (training/train_summarizer.py). */
export const TRAINING_PROGRAM_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../training/train_summarizer.py',
);

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
  // The chat model and the embedding model each authenticate with their provider's key.
  const providerKey = (provider: string) =>
    provider === 'huggingface' ? env.HF_TOKEN : env.OPENAI_API_KEY;
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
        qualityScoring: env.ETL_LLM_SCORING,
        apiKey: providerKey(env.LLM_PROVIDER),
        endpointUrl: env.HF_ENDPOINT_URL,
      },
      embeddings: {
        provider: env.EMBEDDING_PROVIDER,
        model: env.EMBEDDING_MODEL ?? DEFAULT_MODELS.embeddings[env.EMBEDDING_PROVIDER],
        baseUrl: env.EMBEDDING_BASE_URL,
        dimensions: env.EMBEDDING_DIMENSIONS,
        threads: env.EMBEDDING_THREADS,
        timeoutMs: env.LLM_TIMEOUT_MS,
        apiKey: providerKey(env.EMBEDDING_PROVIDER),
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
