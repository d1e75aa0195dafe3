// The agent from the outside: ask a question (a Workflow Update on the conversation workflow,
// started if needed), list and read conversations, and follow a turn's events. The CLI's `ask`
// and the HTTP API both go through here.
import type { Db } from 'mongodb';
import type {
  ConversationRecord,
  ConversationTurnRecord,
  LiveTextRecord,
  TurnEventRecord,
} from '../integrations/mongo/stores/agent-turns.js';
import type { TurnResult } from '../domain/agent.js';
import { COLLECTIONS } from '../domain/names.js';
export {
  askQuestion,
  createAgentTurnRunner,
  newConversationId,
  type AskOptions,
} from '../integrations/temporal/agent-conversations.js';

export const CONVERSATION_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

export interface ConversationSummary {
  id: string;
  title: string;
  turnCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface ConversationDetail extends ConversationSummary {
  turns: TurnResult[];
}

function summaryOf(record: ConversationRecord): ConversationSummary {
  return {
    id: record._id,
    title: record.title,
    turnCount: record.turnCount,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export async function listConversations(db: Db, limit = 50): Promise<ConversationSummary[]> {
  const records = await db
    .collection<ConversationRecord>(COLLECTIONS.conversations)
    .find({})
    .sort({ updatedAt: -1 })
    .limit(limit)
    .toArray();
  return records.map(summaryOf);
}

export async function getConversation(
  db: Db,
  conversationId: string,
): Promise<ConversationDetail | undefined> {
  const record = await db
    .collection<ConversationRecord>(COLLECTIONS.conversations)
    .findOne({ _id: conversationId });
  if (!record) return undefined;
  const turns = await db
    .collection<ConversationTurnRecord>(COLLECTIONS.conversationTurns)
    .find({ conversationId })
    .sort({ index: 1 })
    .toArray();
  return {
    ...summaryOf(record),
    turns: turns.map(({ _id, index: _index, createdAt: _createdAt, ...turn }) => turn),
  };
}

/** The cited chunk's text, for the UI's citation view: only chunks this turn retrieved. */
export async function getTurnSource(
  db: Db,
  turnId: string,
  n: number,
): Promise<{ n: number; title: string; url: string; text: string } | undefined> {
  const records = await db
    .collection<{
      turnId: string;
      kind: string;
      sources?: { n: number; title: string; url: string; text: string }[];
    }>(COLLECTIONS.agentSteps)
    .find({ turnId, kind: 'tool' })
    .toArray();
  const source = records.flatMap((record) => record.sources ?? []).find((item) => item.n === n);
  return source && { n: source.n, title: source.title, url: source.url, text: source.text };
}

export async function readTurnEvents(
  db: Db,
  turnId: string,
  afterSeq: number,
): Promise<Omit<TurnEventRecord, '_id'>[]> {
  const events = await db
    .collection<TurnEventRecord>(COLLECTIONS.turnEvents)
    .find({ turnId, seq: { $gt: afterSeq } })
    .sort({ seq: 1 })
    .limit(500)
    .toArray();
  return events.map(({ _id, ...event }) => event);
}

/** The answer of a running turn as far as the model has generated it, if it has started. */
export async function readLiveText(
  db: Db,
  turnId: string,
): Promise<{ step: number; text: string } | undefined> {
  const record = await db
    .collection<LiveTextRecord>(COLLECTIONS.turnLiveText)
    .findOne({ _id: turnId }, { projection: { step: 1, text: 1 } });
  return record ? { step: record.step, text: record.text } : undefined;
}

/** Records a failed turn, so a client following its events learns why instead of waiting. */
export async function recordTurnError(db: Db, turnId: string, message: string): Promise<void> {
  await db.collection<TurnEventRecord>(COLLECTIONS.turnEvents).updateOne(
    { _id: `${turnId}:error` },
    {
      $setOnInsert: { turnId, seq: 3_000_000, type: 'error', data: { message }, at: new Date() },
    },
    { upsert: true },
  );
}
