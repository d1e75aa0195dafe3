// The embedded default embedding model: all-MiniLM-L6-v2 (ONNX, int8) on the CPU through
// transformers.js and onnxruntime-node, with mean pooling and L2 normalization, as the
// sentence-transformers model is used. Reads only the folder `models pull` filled.
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { SecondBrainError } from '../../domain/errors.js';
import { LOCAL_EMBEDDING } from '../local-models/model-catalog.js';
import { isModelPulled } from '../local-models/model-store.js';
import type { EmbeddingModel } from './embedding-model.js';

export interface LocalEmbeddingModel extends EmbeddingModel {
  dispose(): Promise<void>;
}

export async function createLocalEmbeddingModel(options: {
  modelsDirectory: string;
  /** onnxruntime intra-op threads (EMBEDDING_THREADS). */
  threads: number;
}): Promise<LocalEmbeddingModel> {
  if (!isModelPulled(options.modelsDirectory, LOCAL_EMBEDDING))
    throw new SecondBrainError(
      'notFound',
      `local embedding model ${LOCAL_EMBEDDING.modelId} is not in ${options.modelsDirectory}; run \`second-brain models pull\``,
      { details: { provider: 'local', model: LOCAL_EMBEDDING.modelId } },
    );
  // transformers.js resolves model names inside localModelPath; never reach for the Hub here.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${options.modelsDirectory}/`;
  const extractor: FeatureExtractionPipeline = await pipeline(
    'feature-extraction',
    LOCAL_EMBEDDING.name,
    {
      dtype: 'q8',
      device: 'cpu',
      // Few threads by default: on a shared, busy CPU spinning worker threads stall each other.
      session_options: { intraOpNumThreads: options.threads, interOpNumThreads: 1 },
    },
  );
  return {
    provider: 'local',
    modelId: LOCAL_EMBEDDING.modelId,
    dimensions: 384,
    maxBatchSize: 64,
    async embed(texts: string[]): Promise<Float32Array[]> {
      if (texts.length === 0) return [];
      const output = await extractor(texts, { pooling: 'mean', normalize: true });
      const [rows, columns] = output.dims as [number, number];
      const data = output.data as Float32Array;
      return Array.from({ length: rows }, (_, row) =>
        data.slice(row * columns, (row + 1) * columns),
      );
    },
    dispose: () => extractor.dispose(),
  };
}
