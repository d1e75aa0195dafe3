// The grounded answer's one model call: streamed into the live draft, stopped after three
// finished sentences (all the answer keeps) or at the answer timeout, and never fatal but for
// a passing fault on the first attempt: a failure comes back as the reason, and the caller
// answers from whatever of the draft checks out.
import { log } from '@temporalio/activity';
import { truncate } from '../../domain/agent.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { ChatMessage } from '../../integrations/llm/chat-model.js';
import { recordModelCall } from '../../integrations/mongo/stores/agent-turns.js';
import type { AgentContext } from './dependencies.js';
import { currentAttempt, withHeartbeat } from '../with-heartbeat.js';
import type { liveTextWriter } from './live-text.js';

/**
 * Tokens the answer may take: three short cited sentences. Small models ramble past them, and
 * on a CPU every extra token is time the reader waits for sentences the check drops anyway.
 */
export const GROUNDED_ANSWER_MAX_TOKENS = 120;
/** The end of a sentence, its citations included, followed by the start of the next one. */
const SENTENCE_END = /[.!?](?:\s*\[\d{1,3}\])*\s+(?=\S)/g;

export interface GroundedDraft {
  draft: string;
  usage: { promptTokens: number; completionTokens: number };
  /** Prompt processing ends at the first streamed token; generation is the rest. */
  firstTokenMs?: number;
  /** Why the model gave no complete draft (a failure, the timeout); undefined when it did. */
  failure?: string;
}

export async function draftGroundedAnswer(
  { collections, llm, settings }: Pick<AgentContext, 'collections' | 'llm' | 'settings'>,
  { turnId, step }: { turnId: string; step: number },
  messages: ChatMessage[],
  live: ReturnType<typeof liveTextWriter>,
  startedAt: number,
): Promise<GroundedDraft> {
  let usage = { promptTokens: 0, completionTokens: 0 };
  let firstTokenMs: number | undefined;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.answerTimeoutMs);
  await recordModelCall(collections, turnId, step, llm);
  let draft = '';
  let enough = false;
  let failure: string | undefined;
  try {
    const response = await withHeartbeat(() =>
      llm.chat({
        messages: messages,
        temperature: 0,
        maxTokens: GROUNDED_ANSWER_MAX_TOKENS,
        signal: controller.signal,
        onText: (piece) => {
          firstTokenMs ??= Date.now() - startedAt;
          draft += piece;
          // Three finished sentences are all the answer keeps: stop paying for more.
          if (!enough && (draft.match(SENTENCE_END) ?? []).length >= 3) {
            enough = true;
            controller.abort();
          }
          live.push(piece);
        },
        cache: false,
      }),
    );
    draft = response.text || draft;
    usage = response.usage;
  } catch (error) {
    // A passing fault (a remote provider's 503) is Temporal's to retry, once; anything
    // else, and a timeout, ends in the best answer the draft and the passages allow.
    const retryable = error instanceof SecondBrainError && error.retryable;
    if (retryable && currentAttempt() < 2 && !controller.signal.aborted) throw error;
    failure = enough
      ? undefined
      : controller.signal.aborted
        ? `the model took longer than ${Math.round(settings.answerTimeoutMs / 1000)} s`
        : `the model failed: ${truncate(error instanceof Error ? error.message : String(error), 200)}`;
    if (failure)
      log.warn('Grounded answer: model call failed; answering from what checks out', {
        turnId,
        reason: failure,
      });
  } finally {
    clearTimeout(timer);
  }
  if (controller.signal.aborted && !failure && !enough)
    failure = `the model took longer than ${Math.round(settings.answerTimeoutMs / 1000)} s`;
  return { draft, usage, firstTokenMs, failure };
}
