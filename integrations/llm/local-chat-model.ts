// The embedded default LLM: a small instruct model in GGUF run on the CPU by node-llama-cpp,
// whose prebuilt binaries come from npm (build: 'never', so it never tries to compile or
// download). Structured answers and tool choice are constrained by a grammar generated from the
// JSON schema, so even a 135M-parameter model produces parseable JSON.
import path from 'node:path';
import {
  getLlama,
  LlamaChatSession,
  LlamaLogLevel,
  type ChatHistoryItem,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
} from 'node-llama-cpp';
import { SecondBrainError } from '../../domain/errors.js';
import { LOCAL_LLM } from '../local-models/model-catalog.js';
import { isModelPulled, modelDirectory } from '../local-models/model-store.js';
import type { ChatMessage, ToolCall } from './chat-model.js';
import {
  chatModelFromBackend,
  type Completion,
  type CompletionBackend,
  type CompletionRequest,
  type JsonSchema,
} from './completion-backend.js';
import type { ChatModel } from './chat-model.js';

export interface LocalChatModelOptions {
  /** MODELS_DIR; the model must have been pulled (`second-brain models pull`). */
  modelsDirectory: string;
  contextSize: number;
  threads: number;
  /** Overrides the GGUF file (a custom model); defaults to the pulled SmolLM2. */
  modelPath?: string;
  modelId?: string;
}

export interface LocalChatModel extends ChatModel {
  dispose(): Promise<void>;
}

let llamaRuntime: Promise<Llama> | undefined;

/** The native runtime is one per process (it owns the CPU backend); models are per instance. */
function loadRuntime(): Promise<Llama> {
  llamaRuntime ??= getLlama({
    gpu: false,
    build: 'never',
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
  });
  return llamaRuntime;
}

export async function createLocalChatModel(
  options: LocalChatModelOptions,
): Promise<LocalChatModel> {
  const modelPath =
    options.modelPath ??
    path.join(modelDirectory(options.modelsDirectory, LOCAL_LLM), 'model.gguf');
  if (options.modelPath === undefined && !isModelPulled(options.modelsDirectory, LOCAL_LLM))
    throw new SecondBrainError(
      'notFound',
      `local model ${LOCAL_LLM.modelId} is not in ${options.modelsDirectory}; run \`second-brain models pull\``,
      { details: { provider: 'local', model: LOCAL_LLM.modelId } },
    );
  const llama = await loadRuntime();
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({
    contextSize: Math.min(options.contextSize, model.trainContextSize),
    threads: options.threads,
    sequences: 1,
  });
  const backend = new LocalBackend(
    llama,
    model,
    context,
    options.modelId ?? (options.modelPath ? path.basename(modelPath) : LOCAL_LLM.modelId),
  );
  return { ...chatModelFromBackend(backend), dispose: () => backend.dispose() };
}

class LocalBackend implements CompletionBackend {
  readonly provider = 'local';
  readonly contextWindow: number;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  /** One sequence, one generation at a time: calls queue behind each other. */
  private queue: Promise<unknown> = Promise.resolve();
  private sequence: LlamaContextSequence | undefined;

  constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    readonly modelId: string,
  ) {
    this.contextWindow = context.contextSize;
  }

  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  complete(request: CompletionRequest): Promise<Completion> {
    const run = this.queue.then(() => this.generate(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async dispose(): Promise<void> {
    await this.queue;
    await this.context.dispose();
    await this.model.dispose();
  }

  private grammarFor(schema: JsonSchema): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      // The schema is built at run time, so its static type cannot be inferred.
      grammar = this.llama.createGrammarForJsonSchema(
        toGbnfSchema(schema) as { const: string },
      ) as Promise<LlamaGrammar>;
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  private async generate(request: CompletionRequest): Promise<Completion> {
    const tools = request.tools ?? [];
    // Tool choice as constrained JSON: the reply is either {"tool", "arguments"} for one of the
    // tools, or {"answer"} (the structured answer when a schema was given).
    const answerSchema: JsonSchema = request.jsonSchema?.schema ?? { type: 'string' };
    const replySchema: JsonSchema | undefined =
      tools.length > 0
        ? {
            oneOf: [
              ...tools.map((tool) => ({
                type: 'object',
                properties: { tool: { const: tool.name }, arguments: tool.parameters },
                required: ['tool', 'arguments'],
              })),
              { type: 'object', properties: { answer: answerSchema }, required: ['answer'] },
            ],
          }
        : request.jsonSchema?.schema;
    const messages = [...request.messages];
    if (tools.length > 0)
      messages.unshift({
        role: 'system',
        content:
          'You can call a tool. Tools:\n' +
          tools.map((tool) => `- ${tool.name}: ${tool.description}`).join('\n') +
          '\nReply with JSON: {"tool": <name>, "arguments": {...}} to call one, or {"answer": ...} when no tool is needed.',
      });
    else if (request.jsonSchema)
      messages.unshift({
        role: 'system',
        content: `Reply with JSON matching this schema: ${JSON.stringify(request.jsonSchema.schema)}`,
      });
    // node-llama-cpp would silently drop the start of an over-long prompt; fail clearly instead,
    // like the remote providers, so callers truncate with domain/token-budget.ts.
    const promptTokens = messages.reduce(
      (total, message) => total + this.countTokens(message.content) + 8,
      0,
    );
    if (promptTokens + (request.maxTokens ?? 0) > this.contextWindow)
      throw new SecondBrainError(
        'permanent',
        `local model ${this.modelId}: the input is longer than the context window ` +
          `(about ${promptTokens} prompt tokens + ${request.maxTokens ?? 0} to generate > ${this.contextWindow})`,
        {
          details: {
            provider: 'local',
            model: this.modelId,
            reason: 'context_length_exceeded',
            promptTokens,
            contextWindow: this.contextWindow,
          },
        },
      );
    const { history, prompt } = toChatHistory(messages);
    const grammar = replySchema ? await this.grammarFor(replySchema) : undefined;

    // The one sequence is kept across calls: a shared prompt prefix is not evaluated again.
    this.sequence ??= this.context.getSequence();
    const sequence = this.sequence;
    const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
    const before = sequence.tokenMeter.getState();
    try {
      session.setChatHistory(history);
      const result = await session.promptWithMeta(prompt, {
        grammar,
        maxTokens: request.maxTokens,
        temperature: request.temperature ?? 0,
        signal: request.signal,
        // An aborted answer keeps what was generated: the caller checks and uses what it can.
        stopOnAbortSignal: true,
        onTextChunk: request.onText,
      });
      const after = sequence.tokenMeter.getState();
      const usage = {
        promptTokens: after.usedInputTokens - before.usedInputTokens,
        completionTokens: after.usedOutputTokens - before.usedOutputTokens,
      };
      const finishReason = result.stopReason === 'maxTokens' ? 'length' : 'stop';
      if (tools.length === 0)
        return { text: result.responseText, toolCalls: [], finishReason, usage };
      return { ...splitToolReply(result.responseText, request.jsonSchema !== undefined), usage };
    } catch (error) {
      throw localError(this.modelId, error);
    } finally {
      session.dispose({ disposeSequence: false });
    }
  }
}

/** Splits the constrained tool reply into a tool call or a plain answer. */
function splitToolReply(
  text: string,
  structured: boolean,
): Pick<Completion, 'text' | 'toolCalls' | 'finishReason'> {
  let reply: { tool?: string; arguments?: unknown; answer?: unknown };
  try {
    reply = JSON.parse(text) as typeof reply;
  } catch {
    return { text, toolCalls: [], finishReason: 'length' };
  }
  if (typeof reply.tool === 'string') {
    const call: ToolCall = {
      id: `call_${Math.random().toString(36).slice(2, 10)}`,
      name: reply.tool,
      arguments: reply.arguments ?? {},
    };
    return { text: '', toolCalls: [call], finishReason: 'tool_calls' };
  }
  const answer = reply.answer;
  return {
    text: structured || typeof answer !== 'string' ? JSON.stringify(answer) : answer,
    toolCalls: [],
    finishReason: 'stop',
  };
}

/** node-llama-cpp's history holds system/user/model items; tool traffic becomes plain text. */
function toChatHistory(messages: ChatMessage[]): { history: ChatHistoryItem[]; prompt: string } {
  const history: ChatHistoryItem[] = [];
  for (const message of messages) {
    if (message.role === 'system') history.push({ type: 'system', text: message.content });
    else if (message.role === 'user') history.push({ type: 'user', text: message.content });
    else if (message.role === 'tool')
      history.push({
        type: 'user',
        text: `Result of tool call ${message.toolCallId ?? ''}: ${message.content}`,
      });
    else
      history.push({
        type: 'model',
        response: [
          message.content +
            (message.toolCalls ?? [])
              .map((call) => JSON.stringify({ tool: call.name, arguments: call.arguments }))
              .join('\n'),
        ],
      });
  }
  const last = history.at(-1);
  if (last?.type === 'user') {
    history.pop();
    return { history, prompt: last.text };
  }
  return { history, prompt: '' };
}

/** JSON Schema from zod, reduced to the subset node-llama-cpp turns into a grammar. */
export function toGbnfSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toGbnfSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'anyOf' || key === 'oneOf') result.oneOf = toGbnfSchema(value);
    else if (key === 'properties' || key === '$defs')
      result[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, child]) => [
          name,
          toGbnfSchema(child),
        ]),
      );
    else if (key === 'items' || key === 'additionalProperties') result[key] = toGbnfSchema(value);
    else if (
      [
        'type',
        'required',
        'enum',
        'const',
        'description',
        'minItems',
        'maxItems',
        'prefixItems',
        'minLength',
        'maxLength',
        '$ref',
      ].includes(key)
    )
      result[key] = key === 'prefixItems' ? toGbnfSchema(value) : value;
  }
  // A schema with no constraint at all ({} in zod's output for unknown) means "any JSON value".
  if (Object.keys(result).length === 0)
    return { type: ['string', 'number', 'boolean', 'null', 'object', 'array'] };
  return result;
}

function localError(model: string, error: unknown): unknown {
  if (error instanceof SecondBrainError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/context/i.test(message) && /(size|too|exceed|long|small)/i.test(message))
    return new SecondBrainError(
      'permanent',
      `local model ${model}: the input is longer than the context window: ${message}`,
      { cause: error, details: { provider: 'local', model, reason: 'context_length_exceeded' } },
    );
  return error;
}
