// The end of a turn: the answer's citations mapped to the turn's sources, a tool-loop answer
// checked against them (quotes replace one its sources do not support), the turn stored, and
// the answer streamed to the UI ahead of the update's reply.
import {
  NO_ANSWER,
  resolveCitations,
  TOOL_NAMES,
  truncate,
  type AgentStep,
  type AnswerKind,
  type TurnResult,
} from '../../domain/agent.js';
import { extractiveAnswer } from '../../domain/answering/extractive-answer.js';
import { groundDraft } from '../../domain/answering/grounding.js';
import {
  emitTurnEvent,
  turnEventSeq,
  turnRecords,
  turnSources,
} from '../../integrations/mongo/stores/agent-turns.js';
import type { AgentContext } from './dependencies.js';

export interface FinishTurnInput {
  conversationId: string;
  turnId: string;
  turnIndex: number;
  question: string;
  answer: string;
  citations: number[];
  steps: AgentStep[];
  /** How the answer was written; 'declined' ends the turn with NO_ANSWER. */
  answerKind: AnswerKind;
  /** A tool-loop answer: check it against the sources before it is accepted. */
  check?: boolean;
}

/** Support a remote model's paraphrase needs: looser than a small model's draft gets. */
const TOOL_ANSWER_MIN_SUPPORT = 0.5;

export function createFinishTurn(context: AgentContext) {
  const { collections } = context;
  return async function agentFinishTurn(input: FinishTurnInput): Promise<TurnResult> {
    const stored = await collections.turns.findOne({ _id: input.turnId });
    if (stored) {
      const { _id, index: _index, createdAt: _createdAt, ...result } = stored;
      return result;
    }
    const records = await turnRecords(collections, input.turnId);
    const available = turnSources(records);
    const otherToolAnswered = records.some(
      (record) =>
        record.kind === 'tool' && record.call.name !== TOOL_NAMES.search && record.result.ok,
    );
    let answer = input.answer;
    let citations = input.citations;
    let answerKind = input.answerKind;
    if (answerKind !== 'declined' && available.length === 0 && !otherToolAnswered)
      answerKind = 'declined';
    if (input.check && answerKind === 'model' && available.length > 0 && !otherToolAnswered) {
      // The model's own words stay when at least half its sentences stand in a cited source;
      // otherwise the reader gets the sources' words instead of an unsupported answer.
      const cited = available.filter(
        (source) => citations.includes(source.n) || new RegExp(`\\[${source.n}\\]`).test(answer),
      );
      const grounded = groundDraft(answer, cited, {
        minSupport: TOOL_ANSWER_MIN_SUPPORT,
        maxSentences: 50,
      });
      const supported =
        cited.length > 0 &&
        grounded.sentences.length > 0 &&
        grounded.sentences.length >= grounded.dropped;
      if (!supported) {
        const quotes = extractiveAnswer(input.question, available);
        if (quotes) {
          answer = quotes;
          citations = [];
          answerKind = 'extractive';
        }
      }
    }
    const resolved =
      answerKind === 'declined'
        ? { answer: NO_ANSWER, sources: [] }
        : resolveCitations(
            answer,
            citations,
            available.map(({ text: _text, ...source }) => source),
          );
    const result: TurnResult = {
      conversationId: input.conversationId,
      turnId: input.turnId,
      question: input.question,
      answer: resolved.answer || NO_ANSWER,
      sources: resolved.sources,
      steps: input.steps,
      answerKind,
    };
    // The answer reaches the UI in pieces ahead of the update's reply.
    const pieces = result.answer.match(/\S+\s*/g) ?? [];
    const pieceSize = Math.max(1, Math.ceil(pieces.length / 20));
    for (let index = 0; index * pieceSize < pieces.length; index++) {
      await emitTurnEvent(
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
    await emitTurnEvent(collections.events, input.turnId, turnEventSeq.done, 'done', result);
    return result;
  };
}
