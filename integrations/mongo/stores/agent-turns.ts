// The agent's stored shapes and their one owner: each turn's steps (`agent_steps`, keyed by
// turn and step, so a retried activity returns what was stored instead of calling the model
// again), its events for the live view (`turn_events`), the live answer draft
// (`turn_live_text`), the finished turns and the conversations. The activities, the API and
// the CLI all read and write them through here.
import type { Collection } from 'mongodb';
import type {
  AgentSource,
  AgentStep,
  ModelStepResult,
  ToolCallInput,
  ToolStepResult,
  TurnResult,
} from '../../../domain/agent.js';
import { COLLECTIONS } from '../../../domain/names.js';
import type { MongoDatabase } from '../mongo-database.js';

/** A retrieved passage as the turn numbered it, with its text (which never enters history). */
export interface StoredSource extends AgentSource {
  text: string;
}

export interface ModelStepRecord {
  _id: string;
  turnId: string;
  conversationId: string;
  step: number;
  kind: 'model';
  result: ModelStepResult;
  usage: { promptTokens: number; completionTokens: number };
  createdAt: Date;
}

export interface ToolStepRecord {
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

export type StepRecord = ModelStepRecord | ToolStepRecord;

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

/** The answer of a turn as far as the model has generated it, replaced as tokens arrive. */
export interface LiveTextRecord {
  _id: string;
  step: number;
  text: string;
  at: Date;
}

/** Event sequence numbers: stable per (turn, step), so a retried attempt never duplicates one. */
export const turnEventSeq = {
  modelStarted: (step: number) => step * 100,
  modelFinished: (step: number) => step * 100 + 1,
  toolStarted: (step: number, index: number) => step * 100 + 10 + index * 2,
  toolFinished: (step: number, index: number) => step * 100 + 11 + index * 2,
  answerDelta: (index: number) => 1_000_000 + index,
  done: 2_000_000,
};

export function agentCollections(mongo: MongoDatabase) {
  return {
    steps: mongo.db.collection<StepRecord>(COLLECTIONS.agentSteps),
    events: mongo.db.collection<TurnEventRecord>(COLLECTIONS.turnEvents),
    turns: mongo.db.collection<ConversationTurnRecord>(COLLECTIONS.conversationTurns),
    conversations: mongo.db.collection<ConversationRecord>(COLLECTIONS.conversations),
    liveText: mongo.db.collection<LiveTextRecord>(COLLECTIONS.turnLiveText),
    modelCalls: mongo.db.collection(COLLECTIONS.agentModelCalls),
  };
}

export type AgentCollections = ReturnType<typeof agentCollections>;

/** What the evaluation reads of the agent's turns: each turn's tool steps, as stored. */
export interface AgentTurnSteps {
  toolSteps(turnId: string): Promise<ToolStepRecord[]>;
}

export function agentTurnSteps(mongo: MongoDatabase): AgentTurnSteps {
  const steps = mongo.db.collection<StepRecord>(COLLECTIONS.agentSteps);
  return {
    async toolSteps(turnId) {
      const records = await steps.find({ turnId, kind: 'tool' }).toArray();
      return records.filter((record): record is ToolStepRecord => record.kind === 'tool');
    },
  };
}

export async function emitTurnEvent(
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

export function sortSteps(records: StepRecord[]): StepRecord[] {
  const order = (record: StepRecord) =>
    record.step * 1000 + (record.kind === 'model' ? 0 : 1 + record.index);
  return [...records].sort((a, b) => order(a) - order(b));
}

/** Every passage the turn has retrieved so far, in the order it numbered them. */
export function turnSources(records: StepRecord[]): StoredSource[] {
  return sortSteps(records).flatMap((record) =>
    record.kind === 'tool' ? (record.sources ?? []) : [],
  );
}

export async function turnRecords(
  collections: AgentCollections,
  turnId: string,
): Promise<StepRecord[]> {
  return collections.steps.find({ turnId }).toArray();
}

/** Stores a step once: the first attempt's record wins, so a retry can never overwrite it. */
export async function storeStep(
  collections: AgentCollections,
  record: Omit<ModelStepRecord, 'createdAt'> | Omit<ToolStepRecord, 'createdAt'>,
): Promise<void> {
  const { _id, ...rest } = record;
  await collections.steps.updateOne(
    { _id },
    { $setOnInsert: { ...rest, createdAt: new Date() } as Partial<StepRecord> },
    { upsert: true },
  );
}

/** A model step's record id: one per (turn, step), whichever activity answers it. */
function modelStepId(turnId: string, step: number): string {
  return `${turnId}:${step}:model`;
}

/**
 * The start of a model step: its stored result when an earlier attempt finished it (returned
 * as is, so the model is never called twice), else the step_started event, once.
 */
export async function beginModelStep(
  collections: AgentCollections,
  turnId: string,
  step: number,
): Promise<ModelStepResult | undefined> {
  const stored = await collections.steps.findOne({ _id: modelStepId(turnId, step) });
  if (stored?.kind === 'model') return stored.result;
  await emitTurnEvent(collections.events, turnId, turnEventSeq.modelStarted(step), 'step_started', {
    step,
    kind: 'model',
  });
  return undefined;
}

/** An audit of every real model invocation: the crash tests count them per step. */
export async function recordModelCall(
  collections: AgentCollections,
  turnId: string,
  step: number,
  model: { provider: string; modelId: string },
): Promise<void> {
  await collections.modelCalls.insertOne({
    turnId,
    step,
    provider: model.provider,
    model: model.modelId,
    at: new Date(),
  });
}

/** The end of a model step: its record stored once, then its step event for the live view. */
export async function finishModelStep(
  collections: AgentCollections,
  turn: { turnId: string; conversationId: string; step: number },
  result: ModelStepResult,
  usage: ModelStepRecord['usage'],
  event: AgentStep,
): Promise<void> {
  await storeStep(collections, {
    _id: modelStepId(turn.turnId, turn.step),
    turnId: turn.turnId,
    conversationId: turn.conversationId,
    step: turn.step,
    kind: 'model',
    result,
    usage,
  });
  await emitTurnEvent(
    collections.events,
    turn.turnId,
    turnEventSeq.modelFinished(turn.step),
    'step',
    event,
  );
}

/** The questions of the conversation's earlier turns, oldest first (at most `limit`). */
export async function earlierTurns(
  collections: AgentCollections,
  conversationId: string,
  turnId: string,
  limit: number,
): Promise<ConversationTurnRecord[]> {
  const turns = await collections.turns
    .find({ conversationId, turnId: { $ne: turnId } })
    .sort({ index: -1 })
    .limit(limit)
    .toArray();
  return turns.reverse();
}
