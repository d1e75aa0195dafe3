// Local model throughput on this machine (not a timed test): embedding texts/s at batch sizes
// 1, 16 and 64 (with each as a ratio to batch 1, measured in the same process), and the local
// LLM's generation tokens/s. Needs `second-brain models pull` first.
//
//   node --import tsx bench/models.ts [--texts 128] [--tokens 128] [--rounds 3]
import '../config/quiet-sdk-warnings.js';
import os from 'node:os';
import { loadConfig } from '../config/environment.js';
import { createLocalEmbeddingModel } from '../integrations/embeddings/local-embedding-model.js';
import { createLocalChatModel } from '../integrations/llm/local-chat-model.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

const textCount = option('texts', 128);
const maxTokens = option('tokens', 128);
const rounds = option('rounds', 3);
const config = loadConfig();

// Note-like sentences of varied length, as the RAG pipeline embeds.
const texts = Array.from(
  { length: textCount },
  (_, index) =>
    `Note ${index}: ${'Temporal workflows make every pipeline step durable and retryable. '.repeat(
      1 + (index % 4),
    )}`,
);

async function benchEmbeddings(): Promise<void> {
  const model = await createLocalEmbeddingModel({
    modelsDirectory: config.models.directory,
    threads: config.models.embeddings.threads,
  });
  await model.embed(texts.slice(0, 4)); // warm-up: first run initializes the session
  const rates: Record<number, number> = {};
  for (const batchSize of [1, 16, 64]) {
    let best = 0;
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      for (let start = 0; start < texts.length; start += batchSize)
        await model.embed(texts.slice(start, start + batchSize));
      best = Math.max(best, texts.length / ((performance.now() - started) / 1000));
    }
    rates[batchSize] = best;
    console.log(
      `embeddings ${model.modelId} (threads ${config.models.embeddings.threads}) batch ${String(batchSize).padStart(2)}: ${best.toFixed(1)} texts/s ` +
        `(${(best / rates[1]!).toFixed(2)}x batch 1)`,
    );
  }
  await model.dispose();
}

async function benchChat(): Promise<void> {
  const model = await createLocalChatModel({
    modelsDirectory: config.models.directory,
    contextSize: 2048,
    threads: config.models.llm.threads,
  });
  await model.chat({ messages: [{ role: 'user', content: 'Hi' }], maxTokens: 4 });
  let best = 0;
  let tokens = 0;
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const response = await model.chat({
      messages: [{ role: 'user', content: `Write a long story about a robot (${round}).` }],
      maxTokens,
      temperature: 0,
    });
    const rate = response.usage.completionTokens / ((performance.now() - started) / 1000);
    if (rate > best) {
      best = rate;
      tokens = response.usage.completionTokens;
    }
  }
  console.log(
    `llm ${model.modelId} (threads ${config.models.llm.threads}): ${best.toFixed(1)} tokens/s ` +
      `(${tokens} tokens, prompt evaluation included)`,
  );
  await model.dispose();
}

console.log(
  `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), load ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}; best of ${rounds} rounds`,
);
await benchEmbeddings();
await benchChat();
