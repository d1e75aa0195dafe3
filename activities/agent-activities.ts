// The agent's activities: one LLM step, one tool call, finishing a turn, and summarizing a long
// conversation. Each step's result is stored in MongoDB under (turnId, step) before it is
// returned, so an attempt retried after a worker crash returns the stored result instead of
// calling the model (or the tool) again. Retrieved text stays in MongoDB; the workflow only
// sees ids, numbers and short outcomes. Progress goes to `turn_events`, which `serve` streams.
import { Context, log } from '@temporalio/activity';
import type { Collection } from 'mongodb';
import { z } from 'zod';
import {
  describeArguments,
  finalAnswerSchema,
  fitMessagesToBudget,
  formatSearchResults,
  NO_ANSWER,
  resolveCitations,
  salvageAnswer,
  SEARCH_K,
  searchArgumentsSchema,
  summarizeArgumentsSchema,
  systemPrompt,
  stripMarkers,
  TOOL_DESCRIPTIONS,
  TOOL_NAMES,
  truncate,
  whatCanIDoArgumentsSchema,
  type AgentSource,
  type AgentStep,
  type ModelStepResult,
  type ToolCallInput,
  type ToolStepResult,
  type TurnResult,
} from '../domain/agent.js';
import { SecondBrainError } from '../domain/errors.js';
import { COLLECTIONS } from '../domain/names.js';
import type {
  ChatMessage,
  ChatModel,
  ChatResponse,
  ToolDefinition,
} from '../integrations/llm/chat-model.js';
import { toJsonSchema } from '../integrations/llm/completion-backend.js';
import { createChatSummarizer, type Summarizer } from '../integrations/llm/summarizer.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';
import type { Retriever } from '../integrations/search/retriever.js';

export interface AgentActivityDependencies {
  mongo: MongoDatabase;
  llm: ChatModel;
  retriever: Retriever;
  summarizer?: Summarizer;
}

interface StoredSource extends AgentSource {
  text: string;
}

interface ModelStepRecord {
  _id: string;
  turnId: string;
  conversationId: string;
  step: number;
  kind: 'model';
  result: ModelStepResult;
  usage: { promptTokens: number; completionTokens: number };
  createdAt: Date;
}

interface ToolStepRecord {
  _id: string;
  turnId: string;
  conversationId: string;
  step: number;
  index: number;
  kind: 'tool';
  call: ToolCallInput;
  /** What the model reads back (search results fenced as untrusted data). */
  content: string;
  sources: StoredSource[];
  result: ToolStepResult;
  createdAt: Date;
}

type StepRecord = ModelStepRecord | ToolStepRecord;

export interface TurnEventRecord {
  _id: string;
  turnId: string;
  seq: number;
  type: 'step_started' | 'step' | 'answer_delta' | 'done' | 'error';
  data: unknown;
  at: Date;
}

export interface ConversationTurnRecord extends TurnResult {
  _id: string;
  index: number;
  createdAt: Date;
}

export interface ConversationRecord {
  _id: string;
  title: string;
  turnCount: number;
  summary: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ModelStepInput {
  conversationId: string;
  turnId: string;
  step: number;
  question: string;
  summary: string;
  /** The last step: no tools offered, the model must answer. */
  finalOnly: boolean;
}

export interface ToolStepInput {
  conversationId: string;
  turnId: string;
  step: number;
  index: number;
  call: ToolCallInput;
}

export interface FinishTurnInput {
  conversationId: string;
  turnId: string;
  turnIndex: number;
  question: string;
  answer: string;
  citations: number[];
  steps: AgentStep[];
}

/** How many earlier turns the model sees verbatim; older ones reach it as the summary. */
export const RECENT_TURNS_IN_PROMPT = 2;
const MAX_TOOL_CALLS_PER_STEP = 3;
const HEARTBEAT_MS = 2_000;

export const turnEventSeq = {
  modelStarted: (step: number) => step * 100,
  modelFinished: (step: number) => step * 100 + 1,
  toolStarted: (step: number, index: number) => step * 100 + 10 + index * 2,
  toolFinished: (step: number, index: number) => step * 100 + 11 + index * 2,
  answerDelta: (index: number) => 1_000_000 + index,
  done: 2_000_000,
};

/** A reply that failed the final-answer schema twice, kept as text for `salvageAnswer`. */
function salvagedReply(llm: ChatModel, error: unknown): ChatResponse<never> & { salvaged: string } {
  if (!(error instanceof SecondBrainError) || error.kind !== 'invalidModelOutput') throw error;
  const replyText = error.details?.replyText;
  return {
    text: typeof replyText === 'string' ? replyText : '',
    output: undefined,
    toolCalls: [],
    finishReason: 'other',
    usage: { promptTokens: 0, completionTokens: 0 },
    provider: llm.provider,
    model: llm.modelId,
    cached: false,
    salvaged: error.message,
  };
}

/** Heartbeats while a long call runs, so a crashed worker's attempt is retried within seconds. */
async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    // Called outside an activity (the benchmark's direct run): nothing to heartbeat.
  }
  const timer = context && setInterval(() => context.heartbeat(), HEARTBEAT_MS);
  try {
    return await work();
  } finally {
    if (timer) clearInterval(timer);
  }
}

export function agentCollections(mongo: MongoDatabase) {
  return {
    steps: mongo.db.collection<StepRecord>(COLLECTIONS.agentSteps),
    events: mongo.db.collection<TurnEventRecord>(COLLECTIONS.turnEvents),
    turns: mongo.db.collection<ConversationTurnRecord>(COLLECTIONS.conversationTurns),
    conversations: mongo.db.collection<ConversationRecord>(COLLECTIONS.conversations),
    liveText: mongo.db.collection<LiveTextRecord>(COLLECTIONS.turnLiveText),
  };
}

/** The answer of a turn as far as the model has generated it, replaced as tokens arrive. */
export interface LiveTextRecord {
  _id: string;
  step: number;
  text: string;
  at: Date;
}

/** Tokens a model step may generate: a final answer, or a tool choice. */
const MODEL_STEP_MAX_TOKENS = 512;

/** How often the live answer is written while tokens arrive: smooth to read, light on MongoDB. */
const LIVE_TEXT_INTERVAL_MS = 120;

/**
 * Feeds the token side channel: collects the model's text as it streams, and writes the answer
 * part of it (the final-answer JSON's `answer` string, read from the partial reply) at most every
 * LIVE_TEXT_INTERVAL_MS. One document per turn, replaced, so a retried attempt simply overwrites
 * it. The durable answer is the update's result; a failed write here only costs the live view.
 */
function liveTextWriter(collection: Collection<LiveTextRecord>, turnId: string, step: number) {
  let raw = '';
  let written = '';
  let lastWrite = 0;
  let pending: Promise<void> = Promise.resolve();
  let warned = false;
  const write = () => {
    const text = salvageAnswer(raw);
    if (!text || text === written) return;
    written = text;
    lastWrite = Date.now();
    pending = pending
      .then(() =>
        collection
          .updateOne({ _id: turnId }, { $set: { step, text, at: new Date() } }, { upsert: true })
          .then(() => undefined),
      )
      .catch((error: unknown) => {
        if (!warned) log.warn('Live answer text not written', { turnId, error: String(error) });
        warned = true;
      });
  };
  return {
    push(piece: string): void {
      raw += piece;
      if (Date.now() - lastWrite >= LIVE_TEXT_INTERVAL_MS) write();
    },
    async flush(): Promise<void> {
      write();
      await pending;
    },
  };
}

async function emit(
  events: Collection<TurnEventRecord>,
  turnId: string,
  seq: number,
  type: TurnEventRecord['type'],
  data: unknown,
): Promise<void> {
  // Keyed by (turn, seq): a retried attempt re-emits the same event, never a duplicate.
  await events.updateOne(
    { _id: `${turnId}:${seq}` },
    { $setOnInsert: { turnId, seq, type, data, at: new Date() } },
    { upsert: true },
  );
}

function toolDefinitions(): ToolDefinition[] {
  return [
    {
      name: TOOL_NAMES.search,
      description: TOOL_DESCRIPTIONS[TOOL_NAMES.search],
      parameters: searchArgumentsSchema,
    },
    {
      name: TOOL_NAMES.summarize,
      description: TOOL_DESCRIPTIONS[TOOL_NAMES.summarize],
      parameters: summarizeArgumentsSchema,
    },
    {
      name: TOOL_NAMES.whatCanIDo,
      description: TOOL_DESCRIPTIONS[TOOL_NAMES.whatCanIDo],
      parameters: whatCanIDoArgumentsSchema,
    },
  ];
}

function sortSteps(records: StepRecord[]): StepRecord[] {
  const order = (record: StepRecord) =>
    record.step * 1000 + (record.kind === 'model' ? 0 : 1 + record.index);
  return [...records].sort((a, b) => order(a) - order(b));
}

/** This turn's steps so far as chat messages: assistant tool calls, then each tool's reply. */
function stepMessages(records: StepRecord[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const byStep = new Map<number, StepRecord[]>();
  for (const record of sortSteps(records)) {
    byStep.set(record.step, [...(byStep.get(record.step) ?? []), record]);
  }
  for (const stepRecords of byStep.values()) {
    const tools = stepRecords.filter((record): record is ToolStepRecord => record.kind === 'tool');
    if (tools.length === 0) continue;
    messages.push({
      role: 'assistant',
      content: '',
      toolCalls: tools.map((tool) => ({
        id: tool.call.id,
        name: tool.call.name,
        arguments: tool.call.arguments,
      })),
    });
    for (const tool of tools)
      messages.push({ role: 'tool', toolCallId: tool.call.id, content: tool.content });
  }
  return messages;
}

function turnSources(records: StepRecord[]): StoredSource[] {
  return sortSteps(records).flatMap((record) =>
    record.kind === 'tool' ? (record.sources ?? []) : [],
  );
}

export function createAgentActivities(dependencies: AgentActivityDependencies) {
  const { llm, retriever } = dependencies;
  const summarizer = dependencies.summarizer ?? createChatSummarizer(llm);
  const collections = agentCollections(dependencies.mongo);
  // Room for retrieved text in one tool reply: ~40% of the context window, ~4 chars a token.
  const searchBudgetChars = Math.max(2_000, Math.floor(llm.contextWindow * 4 * 0.4));

  async function turnRecords(turnId: string): Promise<StepRecord[]> {
    return collections.steps.find({ turnId }).toArray();
  }

  async function whatCanIDo(): Promise<string> {
    const chunks = await dependencies.mongo.db
      .collection<{ title?: string; headingPath?: string[]; documentId?: string; kind?: string }>(
        COLLECTIONS.rag,
      )
      .find({ $or: [{ kind: 'chunk' }, { kind: { $exists: false } }] })
      .project<{ title?: string; headingPath?: string[]; documentId?: string }>({
        title: 1,
        headingPath: 1,
        documentId: 1,
      })
      .limit(20_000)
      .toArray();
    const titles = new Map<string, number>();
    const headings = new Map<string, Set<string>>();
    for (const chunk of chunks) {
      if (chunk.title) titles.set(chunk.title, (titles.get(chunk.title) ?? 0) + 1);
      for (const heading of (chunk.headingPath ?? []).slice(0, 2)) {
        const key = heading.replace(/^#+\s*/, '').trim();
        if (!key) continue;
        headings.set(key, (headings.get(key) ?? new Set()).add(chunk.documentId ?? ''));
      }
    }
    if (titles.size === 0) {
      const raw = await dependencies.mongo.db
        .collection<{ metadata?: { title?: string } }>(COLLECTIONS.raw)
        .find({}, { projection: { 'metadata.title': 1 } })
        .limit(200)
        .toArray();
      for (const document of raw)
        if (document.metadata?.title) titles.set(document.metadata.title, 1);
    }
    if (titles.size === 0)
      return 'The knowledge base is empty: nothing has been indexed yet, so I cannot answer questions from it.';
    const topTitles = [...titles.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
    const topHeadings = [...headings.entries()]
      .filter(([, documents]) => documents.size > 1)
      .sort((a, b) => b[1].size - a[1].size)
      .slice(0, 10);
    return [
      `The knowledge base holds ${titles.size} documents. I can answer questions about these topics (untrusted titles from the knowledge base):`,
      ...topTitles.map(([title]) => `- ${stripMarkers(truncate(title, 120))}`),
      ...(topHeadings.length > 0
        ? [
            'Recurring sections:',
            ...topHeadings.map(([heading]) => `- ${stripMarkers(truncate(heading, 80))}`),
          ]
        : []),
    ].join('\n');
  }

  async function runTool(
    call: ToolCallInput,
    previous: StoredSource[],
  ): Promise<{ content: string; sources: StoredSource[]; outcome: string }> {
    switch (call.name) {
      case TOOL_NAMES.search: {
        const { query } = searchArgumentsSchema.parse(call.arguments);
        const found = await retriever.search(query, { k: SEARCH_K });
        let next = previous.reduce((max, source) => Math.max(max, source.n), 0) + 1;
        const numbered = found.map((chunk) => {
          const known = previous.find((source) => source.chunkId === chunk.chunkId);
          return {
            n: known?.n ?? next++,
            chunkId: chunk.chunkId,
            documentId: chunk.documentId,
            url: chunk.url,
            title: chunk.title,
            text: chunk.text,
          };
        });
        return {
          content: formatSearchResults(query, numbered, searchBudgetChars),
          sources: numbered.filter(
            (source) => !previous.some((known) => known.chunkId === source.chunkId),
          ),
          outcome: `${numbered.length} chunk${numbered.length === 1 ? '' : 's'}`,
        };
      }
      case TOOL_NAMES.summarize: {
        const { sources } = summarizeArgumentsSchema.parse(call.arguments);
        const chosen = previous.filter((source) => sources.includes(source.n));
        if (chosen.length === 0)
          throw new SecondBrainError(
            'validation',
            `no retrieved source has the number(s) ${sources.join(', ')}; search first`,
          );
        const summary = await summarizer.summarize(
          chosen.map((source) => `${source.title}\n${source.text}`).join('\n\n'),
        );
        return {
          content: `Summary of ${chosen.map((source) => `[${source.n}]`).join('')} (untrusted data):\n<<<SOURCE summary>>>\n${stripMarkers(summary)}\n<<<END SOURCE summary>>>`,
          sources: [],
          outcome: `${summary.length} characters`,
        };
      }
      case TOOL_NAMES.whatCanIDo: {
        whatCanIDoArgumentsSchema.parse(call.arguments ?? {});
        const content = await whatCanIDo();
        return { content, sources: [], outcome: `${content.split('\n').length - 1} topics` };
      }
      default:
        throw new SecondBrainError(
          'validation',
          `unknown tool "${call.name}"; the tools are ${Object.values(TOOL_NAMES).join(', ')}`,
        );
    }
  }

  return {
    /** One LLM step: a tool choice or the final answer. Stored by (turnId, step) first. */
    async agentModelStep(input: ModelStepInput): Promise<ModelStepResult> {
      const id = `${input.turnId}:${input.step}:model`;
      const stored = await collections.steps.findOne({ _id: id });
      if (stored?.kind === 'model') return stored.result;

      await emit(
        collections.events,
        input.turnId,
        turnEventSeq.modelStarted(input.step),
        'step_started',
        {
          step: input.step,
          kind: 'model',
        },
      );
      const records = await turnRecords(input.turnId);
      const sources = turnSources(records);
      const earlier = await collections.turns
        .find({ conversationId: input.conversationId, turnId: { $ne: input.turnId } })
        .sort({ index: -1 })
        .limit(RECENT_TURNS_IN_PROMPT)
        .toArray();
      const tools = input.finalOnly ? undefined : toolDefinitions();
      const responseSchema = finalAnswerSchema(sources.map((source) => source.n));
      const unfitted: ChatMessage[] = [
        {
          role: 'system',
          content: systemPrompt({ summary: input.summary, finalOnly: input.finalOnly }),
        },
        ...earlier.reverse().flatMap((turn): ChatMessage[] => [
          { role: 'user', content: turn.question },
          { role: 'assistant', content: turn.answer },
        ]),
        { role: 'user', content: input.question },
        ...stepMessages(records),
      ];
      // Several searches in one turn can outgrow a small model's window: the tool replies shrink
      // (and older turns drop) to leave room for the answer, the tool list and the schema.
      const overheadTokens =
        llm.countTokens(
          JSON.stringify({
            tools: tools?.map((tool) => [
              tool.name,
              tool.description,
              toJsonSchema(tool.parameters),
            ]),
            schema: toJsonSchema(responseSchema),
          }),
        ) + 64;
      const messages = fitMessagesToBudget(
        unfitted,
        llm.contextWindow - MODEL_STEP_MAX_TOKENS - overheadTokens,
        (text) => llm.countTokens(text),
      );
      // An audit of every real model invocation: the crash tests count them per step.
      await dependencies.mongo.db.collection(COLLECTIONS.agentModelCalls).insertOne({
        turnId: input.turnId,
        step: input.step,
        provider: llm.provider,
        model: llm.modelId,
        at: new Date(),
      });
      const started = Date.now();
      const live = liveTextWriter(collections.liveText, input.turnId, input.step);
      const response = await withHeartbeat(() =>
        llm
          .chat({
            onText: (piece) => live.push(piece),
            messages,
            temperature: 0,
            maxTokens: MODEL_STEP_MAX_TOKENS,
            tools,
            responseSchema,
            responseSchemaName: 'final_answer',
            cache: false,
          })
          .catch((error: unknown) => salvagedReply(llm, error)),
      );
      await live.flush();
      const durationMs = Date.now() - started;
      let result: ModelStepResult;
      if ('salvaged' in response) {
        // The model could not produce a valid final answer even after a corrective retry (a small
        // local model that ran out of tokens mid-JSON). Failing the user's turn would lose the
        // whole conversation step; its own words, as far as they got, are worth more.
        log.warn('Final answer failed its schema; using the salvaged text', {
          turnId: input.turnId,
          step: input.step,
          reason: response.salvaged,
        });
        result = {
          kind: 'final',
          answer: salvageAnswer(response.text) || NO_ANSWER,
          citations: [],
          durationMs,
        };
      } else if (response.toolCalls.length > 0) {
        result = {
          kind: 'tool_calls',
          calls: response.toolCalls.slice(0, MAX_TOOL_CALLS_PER_STEP).map((call, index) => ({
            id: call.id || `call-${input.step}-${index}`,
            name: call.name,
            arguments: call.arguments,
          })),
          durationMs,
        };
      } else {
        const output = response.output;
        result = {
          kind: 'final',
          answer: output?.answer ?? response.text,
          citations: output?.citations ?? [],
          durationMs,
        };
      }
      await collections.steps.updateOne(
        { _id: id },
        {
          $setOnInsert: {
            turnId: input.turnId,
            conversationId: input.conversationId,
            step: input.step,
            kind: 'model',
            result,
            usage: response.usage,
            createdAt: new Date(),
          },
        },
        { upsert: true },
      );
      const step: AgentStep = {
        step: input.step,
        kind: 'model',
        name: 'model',
        input:
          result.kind === 'tool_calls'
            ? `calls ${result.calls.map((call) => call.name).join(', ')}`
            : 'final answer',
        durationMs,
        ok: true,
        outcome: `${response.usage.promptTokens}+${response.usage.completionTokens} tokens`,
      };
      await emit(
        collections.events,
        input.turnId,
        turnEventSeq.modelFinished(input.step),
        'step',
        step,
      );
      return result;
    },

    /** One tool call. Errors become the tool's reply to the model, not a failed turn. */
    async agentToolStep(input: ToolStepInput): Promise<ToolStepResult> {
      const id = `${input.turnId}:${input.step}:tool:${input.index}`;
      const stored = await collections.steps.findOne({ _id: id });
      if (stored?.kind === 'tool') return stored.result;

      await emit(
        collections.events,
        input.turnId,
        turnEventSeq.toolStarted(input.step, input.index),
        'step_started',
        {
          step: input.step,
          kind: 'tool',
          name: input.call.name,
          input: describeArguments(input.call.arguments),
        },
      );
      const previous = turnSources(await turnRecords(input.turnId));
      const started = Date.now();
      let content: string;
      let sources: StoredSource[] = [];
      let ok = true;
      let outcome: string;
      try {
        ({ content, sources, outcome } = await withHeartbeat(() => runTool(input.call, previous)));
      } catch (error) {
        // Transient failures (a database briefly away) are Temporal's to retry; the rest go
        // back to the model so it can correct its call.
        const retryable = error instanceof SecondBrainError ? error.retryable : false;
        let attempt = 1;
        try {
          attempt = Context.current().info.attempt;
        } catch {
          // Not in an activity.
        }
        if (retryable && attempt < 3) throw error;
        const message =
          error instanceof z.ZodError
            ? `invalid arguments: ${error.issues.map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`).join('; ')}`
            : error instanceof Error
              ? error.message
              : String(error);
        ok = false;
        outcome = truncate(message, 300);
        content = `Error from tool ${input.call.name}: ${outcome}`;
      }
      const result: ToolStepResult = {
        ok,
        outcome,
        newSources: sources.map((source) => source.n),
        durationMs: Date.now() - started,
      };
      await collections.steps.updateOne(
        { _id: id },
        {
          $setOnInsert: {
            turnId: input.turnId,
            conversationId: input.conversationId,
            step: input.step,
            index: input.index,
            kind: 'tool',
            call: input.call,
            content,
            sources,
            result,
            createdAt: new Date(),
          },
        },
        { upsert: true },
      );
      const step: AgentStep = {
        step: input.step,
        kind: 'tool',
        name: input.call.name,
        input: describeArguments(input.call.arguments),
        durationMs: result.durationMs,
        ok,
        outcome,
      };
      await emit(
        collections.events,
        input.turnId,
        turnEventSeq.toolFinished(input.step, input.index),
        'step',
        step,
      );
      return result;
    },

    /** Maps citations to sources, stores the turn, and streams the answer to the UI. */
    async agentFinishTurn(input: FinishTurnInput): Promise<TurnResult> {
      const stored = await collections.turns.findOne({ _id: input.turnId });
      if (stored) {
        const { _id, index: _index, createdAt: _createdAt, ...result } = stored;
        return result;
      }
      const records = await turnRecords(input.turnId);
      const available = turnSources(records);
      const searched = records.some(
        (record) =>
          record.kind === 'tool' && record.call.name === TOOL_NAMES.search && record.result.ok,
      );
      // Nothing retrieved and no other tool answered: say so rather than let the model guess.
      const otherToolAnswered = records.some(
        (record) =>
          record.kind === 'tool' && record.call.name !== TOOL_NAMES.search && record.result.ok,
      );
      const resolved =
        searched && available.length === 0 && !otherToolAnswered
          ? { answer: NO_ANSWER, sources: [] }
          : resolveCitations(
              input.answer,
              input.citations,
              available.map(({ text: _text, ...source }) => source),
            );
      const result: TurnResult = {
        conversationId: input.conversationId,
        turnId: input.turnId,
        question: input.question,
        answer: resolved.answer || NO_ANSWER,
        sources: resolved.sources,
        steps: input.steps,
      };
      // The answer reaches the UI in pieces ahead of the update's reply.
      const pieces = result.answer.match(/\S+\s*/g) ?? [];
      const pieceSize = Math.max(1, Math.ceil(pieces.length / 20));
      for (let index = 0; index * pieceSize < pieces.length; index++) {
        await emit(
          collections.events,
          input.turnId,
          turnEventSeq.answerDelta(index),
          'answer_delta',
          {
            text: pieces.slice(index * pieceSize, (index + 1) * pieceSize).join(''),
          },
        );
      }
      const now = new Date();
      await collections.turns.updateOne(
        { _id: input.turnId },
        { $setOnInsert: { ...result, index: input.turnIndex, createdAt: now } },
        { upsert: true },
      );
      await collections.conversations.updateOne(
        { _id: input.conversationId },
        {
          $setOnInsert: { title: truncate(input.question, 80), createdAt: now, summary: '' },
          $set: { updatedAt: now, turnCount: input.turnIndex + 1 },
        },
        { upsert: true },
      );
      await emit(collections.events, input.turnId, turnEventSeq.done, 'done', result);
      return result;
    },

    /** Folds the older turns into a summary before the workflow continues as new. */
    async agentSummarizeConversation(input: {
      conversationId: string;
      previousSummary: string;
    }): Promise<string> {
      const turns = await collections.turns
        .find({ conversationId: input.conversationId })
        .sort({ index: 1 })
        .toArray();
      const older = turns.slice(0, Math.max(0, turns.length - RECENT_TURNS_IN_PROMPT));
      if (older.length === 0) return input.previousSummary;
      const transcript = [
        input.previousSummary && `Earlier summary: ${input.previousSummary}`,
        ...older.map((turn) => `Q: ${turn.question}\nA: ${truncate(turn.answer, 1_000)}`),
      ]
        .filter(Boolean)
        .join('\n\n');
      const summary = truncate(
        await withHeartbeat(() => summarizer.summarize(transcript, { maxWords: 150 })),
        2_000,
      );
      await collections.conversations.updateOne(
        { _id: input.conversationId },
        { $set: { summary, updatedAt: new Date() } },
      );
      return summary;
    },
  };
}

export type AgentActivities = ReturnType<typeof createAgentActivities>;
