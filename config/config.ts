// The resolved configuration the rest of the code reads (never process.env directly).
import type { AgentMode } from '../domain/answering/agent-mode.js';
import type { Environment, ModelProvider } from './environment-schema.js';

/** The payload codec's key ring: every key decrypts, `activeKeyId` seals new payloads. */
export interface PayloadEncryptionConfig {
  /** Oldest first; each key is 32 bytes, base64-encoded. */
  readonly keys: ReadonlyArray<{ readonly id: string; readonly key: string }>;
  readonly activeKeyId: string;
  /** Accept unencrypted payloads on decode (only while migrating old histories). */
  readonly allowPlaintext: boolean;
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
      /** Whether the ETL asks this model for quality scores (ETL_LLM_SCORING). */
      readonly qualityScoring: Environment['ETL_LLM_SCORING'];
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
