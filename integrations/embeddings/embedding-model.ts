// The embedding model port, implemented by the openai, huggingface and local providers.
export interface EmbeddingModel {
  readonly provider: string;
  readonly modelId: string;
  readonly dimensions: number;
  /** The most texts one embed() call accepts; callers batch to this size. */
  readonly maxBatchSize: number;
  /** One vector per text, each of length `dimensions`, L2-normalized. */
  embed(texts: string[]): Promise<Float32Array[]>;
}
