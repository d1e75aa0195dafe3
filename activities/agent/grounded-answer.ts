// The grounded answer: one generation call over a compact, budgeted prompt (the question, the
// turn's passages cut to their matching sentences, the conversation so far), then every
// sentence of the draft checked against the passages (domain/answering/grounding.ts). What
// survives is the answer, cited by the passage that supports it; when nothing survives, or the
// model fails or runs out of time, the answer is quotes of the passages. Works the same with a
// 135M local model and a large remote one: the model can only add words, never wrong ones.
import {
  buildGroundedPrompt,
  GROUNDED_SYSTEM_PROMPT,
} from '../../domain/answering/grounded-prompt.js';
import { groundDraft } from '../../domain/answering/grounding.js';
import { NO_ANSWER, truncate, type AgentStep, type ModelStepResult } from '../../domain/agent.js';
import {
  beginModelStep,
  earlierTurns,
  finishModelStep,
  turnRecords,
  turnSources,
} from '../../integrations/mongo/stores/agent-turns.js';
import type { AgentContext } from './dependencies.js';
import { quotedAnswer } from './extractive-answer.js';
import { draftGroundedAnswer, GROUNDED_ANSWER_MAX_TOKENS } from './grounded-draft.js';
import { liveTextWriter } from './live-text.js';

export interface GroundedAnswerInput {
  conversationId: string;
  turnId: string;
  step: number;
  question: string;
  summary: string;
}

/** Chat-template tokens the prompt count may miss (BOS, generation prompt). */
const TEMPLATE_MARGIN_TOKENS = 32;

export function createGroundedAnswer(context: AgentContext) {
  const { collections, llm } = context;

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
        const drafted = await draftGroundedAnswer(context, input, prompt.messages, live, started);
        const { draft, failure } = drafted;
        usage = drafted.usage;
        firstTokenMs = drafted.firstTokenMs;
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
