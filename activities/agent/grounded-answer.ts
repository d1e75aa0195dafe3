// The grounded answer: one generation call over a compact, budgeted prompt (the question, the
// turn's passages cut to their matching sentences, the conversation so far), then every
// sentence of the draft checked against the passages (domain/answering/grounding.ts). What
// survives is the answer, cited by the passage that supports it; when nothing survives, or the
// model fails or runs out of time, the answer is quotes of the passages. Works the same with a
// 135M local model and a large remote one: the model can only add words, never wrong ones.
import { log } from '@temporalio/activity';
import {
  buildGroundedPrompt,
  GROUNDED_SYSTEM_PROMPT,
} from '../../domain/answering/grounded-prompt.js';
import { groundDraft } from '../../domain/answering/grounding.js';
import { SecondBrainError } from '../../domain/errors.js';
import { NO_ANSWER, truncate, type AgentStep, type ModelStepResult } from '../../domain/agent.js';
import {
  beginModelStep,
  earlierTurns,
  finishModelStep,
  recordModelCall,
  turnRecords,
  turnSources,
} from '../../integrations/mongo/stores/agent-turns.js';
import type { AgentContext } from './dependencies.js';
import { quotedAnswer } from './extractive-answer.js';
import { currentAttempt, withHeartbeat } from './heartbeat.js';
import { liveTextWriter } from './live-text.js';

export interface GroundedAnswerInput {
  conversationId: string;
  turnId: string;
  step: number;
  question: string;
  summary: string;
}

/**
 * Tokens the answer may take: three short cited sentences. Small models ramble past them, and
 * on a CPU every extra token is time the reader waits for sentences the check drops anyway.
 */
export const GROUNDED_ANSWER_MAX_TOKENS = 120;
/** The end of a sentence, its citations included, followed by the start of the next one. */
const SENTENCE_END = /[.!?](?:\s*\[\d{1,3}\])*\s+(?=\S)/g;
/** Chat-template tokens the prompt count may miss (BOS, generation prompt). */
const TEMPLATE_MARGIN_TOKENS = 32;

export function createGroundedAnswer(context: AgentContext) {
  const { collections, llm, settings } = context;

  async function conversationSoFar(input: GroundedAnswerInput): Promise<string> {
    const previous = await earlierTurns(collections, input.conversationId, input.turnId, 1);
    return [
      input.summary && `Summary of the earlier conversation: ${input.summary}`,
      ...previous.map(
        (turn) => `Q: ${truncate(turn.question, 300)}\nA: ${truncate(turn.answer, 500)}`,
      ),
    ]
      .filter(Boolean)
      .join('\n');
  }

  return async function agentGroundedAnswer(input: GroundedAnswerInput): Promise<ModelStepResult> {
    const finished = await beginModelStep(collections, input.turnId, input.step);
    if (finished) return finished;
    const started = Date.now();
    const sources = turnSources(await turnRecords(collections, input.turnId));
    let usage = { promptTokens: 0, completionTokens: 0 };
    // Prompt processing ends at the first streamed token; generation is the rest.
    let firstTokenMs: number | undefined;
    let result: ModelStepResult;
    if (sources.length === 0) {
      result = { kind: 'final', answer: NO_ANSWER, citations: [], durationMs: 0, origin: 'model' };
    } else {
      const budgetTokens = llm.contextWindow - GROUNDED_ANSWER_MAX_TOKENS - TEMPLATE_MARGIN_TOKENS;
      const prompt = buildGroundedPrompt({
        question: input.question,
        passages: sources,
        conversation: await conversationSoFar(input),
        budgetTokens,
        countTokens: (text) => llm.countTokens(text),
      });
      if (prompt.tokens > budgetTokens) {
        // Even one shortened passage does not fit this model's window: quoting needs no model.
        result = quotedAnswer(
          input.question,
          sources,
          `the prompt does not fit ${llm.modelId}'s context window`,
        );
      } else {
        const live = liveTextWriter(collections.liveText, input.turnId, input.step);
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), settings.answerTimeoutMs);
        await recordModelCall(collections, input.turnId, input.step, llm);
        let draft = '';
        let enough = false;
        let failure: string | undefined;
        try {
          const response = await withHeartbeat(() =>
            llm.chat({
              messages: prompt.messages,
              temperature: 0,
              maxTokens: GROUNDED_ANSWER_MAX_TOKENS,
              signal: controller.signal,
              onText: (piece) => {
                firstTokenMs ??= Date.now() - started;
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
              turnId: input.turnId,
              reason: failure,
            });
        } finally {
          clearTimeout(timer);
        }
        if (controller.signal.aborted && !failure && !enough)
          failure = `the model took longer than ${Math.round(settings.answerTimeoutMs / 1000)} s`;
        const grounded = groundDraft(draft, prompt.passages, {
          forbidden: [GROUNDED_SYSTEM_PROMPT],
          question: input.question,
        });
        const durationMs = Date.now() - started;
        result =
          grounded.sentences.length > 0
            ? {
                kind: 'final',
                answer: grounded.answer,
                citations: grounded.citations,
                durationMs,
                origin: 'model',
                ...(failure || grounded.dropped > 0
                  ? {
                      note: truncate(
                        [
                          failure,
                          grounded.dropped > 0
                            ? `${grounded.dropped} unsupported sentence(s) dropped`
                            : '',
                        ]
                          .filter(Boolean)
                          .join('; '),
                        300,
                      ),
                    }
                  : {}),
              }
            : quotedAnswer(
                input.question,
                prompt.passages,
                failure ?? "no sentence of the model's answer is supported by the passages",
                durationMs,
              );
        if (result.kind === 'final') live.replace(result.answer);
        await live.flush();
      }
    }
    const step: AgentStep = {
      step: input.step,
      kind: 'model',
      name: 'model',
      input:
        result.kind === 'final' && result.origin === 'extractive'
          ? 'quotes of the passages'
          : 'grounded answer',
      durationMs: Date.now() - started,
      ok: true,
      outcome: [
        `${usage.promptTokens}+${usage.completionTokens} tokens`,
        firstTokenMs === undefined ? '' : `first token after ${firstTokenMs} ms`,
        result.kind === 'final' ? result.note : '',
      ]
        .filter(Boolean)
        .join('; '),
    };
    await finishModelStep(collections, input, result, usage, step);
    return result;
  };
}
