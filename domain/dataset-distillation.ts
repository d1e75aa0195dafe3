// Distillation of the summarization dataset: the teacher prompt, how a document's content is fit
// to the student's context, and which teacher answers are kept. Pure functions: the activities
// call them, the unit tests pin them.
import { createHash } from 'node:crypto';

/** Bumped whenever the wording of the prompt changes, so old samples are not reused by mistake. */
export const DISTILLATION_PROMPT_VERSION = 1;

/**
 * The teacher's system prompt. `{maxChars}` is replaced by the summary limit. It asks for a
 * TL;DR that keeps the structure (section titles), the key entities and findings, and leaves
 * out the boilerplate that crawled pages carry (cookie banners, privacy notices, menus).
 */
export const DISTILLATION_PROMPT_TEMPLATE = [
  'You summarize documents from a personal knowledge base.',
  'Write a TL;DR of the document the user sends, in Markdown:',
  "- keep the document's section titles as short Markdown headings;",
  '- keep the key entities (people, organizations, products, tools, models) and the key findings, numbers and conclusions;',
  '- ignore cookie banners, privacy and consent notices, navigation menus, footers, sign-up prompts and other boilerplate;',
  '- stay under {maxChars} characters;',
  '- answer with the summary only, without a preamble.',
].join('\n');

export function distillationSystemPrompt(maxSummaryChars: number): string {
  return DISTILLATION_PROMPT_TEMPLATE.replace('{maxChars}', String(maxSummaryChars));
}

/** The user message: the (already fitted) document, introduced by its title when there is one. */
export function distillationUserMessage(title: string, content: string): string {
  const heading = title.trim() === '' ? '' : `Title: ${title.trim()}\n\n`;
  return `${heading}Document:\n${content}`;
}

export interface PromptSettings {
  maxSummaryChars: number;
  studentContextTokens: number;
}

/**
 * Identifies everything about the prompt that changes the teacher's answer for the same
 * document: the template, its version, the summary limit and the student's context budget.
 * Samples are keyed by it, and the dataset card and registry record it.
 */
export function promptHash(settings: PromptSettings): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        version: DISTILLATION_PROMPT_VERSION,
        template: DISTILLATION_PROMPT_TEMPLATE,
        maxSummaryChars: settings.maxSummaryChars,
        studentContextTokens: settings.studentContextTokens,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}

/**
 * A tokenizer-free token estimate: about 4 characters per token for English text and Markdown
 * (the usual rule of thumb for BPE tokenizers such as Llama's and GPT's), rounded up. It is used
 * for the student, whose tokenizer is not loaded here; the teacher's own count comes from
 * ChatModel.countTokens.
 */
export const CHARACTERS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARACTERS_PER_TOKEN);
}

/**
 * Tokens of the student's context available to the instruction: its window minus the answer
 * (the summary limit, estimated) and a fixed allowance for the chat template's special tokens.
 */
export const CHAT_TEMPLATE_ALLOWANCE_TOKENS = 64;

export function instructionTokenBudget(
  studentContextTokens: number,
  maxSummaryChars: number,
): number {
  return Math.max(
    0,
    studentContextTokens -
      estimateTokens('x'.repeat(maxSummaryChars)) -
      CHAT_TEMPLATE_ALLOWANCE_TOKENS,
  );
}

/**
 * Cuts content to at most `maxChars` characters, at the last paragraph break, else line break,
 * else space before the limit (when that keeps at least half the budget), so an instruction
 * never ends mid-word. Content within the limit is returned unchanged.
 */
export function truncateAtBoundary(content: string, maxChars: number): string {
  if (content.length <= maxChars) return content;
  if (maxChars <= 0) return '';
  const window = content.slice(0, maxChars);
  for (const boundary of ['\n\n', '\n', ' ']) {
    const index = window.lastIndexOf(boundary);
    if (index >= maxChars / 2) return window.slice(0, index).trimEnd();
  }
  return window.trimEnd();
}

/**
 * Fits content to a token budget as measured by `countTokens` (the estimate by default).
 * Shrinks proportionally until it fits; a handful of rounds is enough because token counts are
 * close to linear in length.
 */
export function fitToTokenBudget(
  content: string,
  budgetTokens: number,
  countTokens: (text: string) => number = estimateTokens,
): string {
  let fitted = truncateAtBoundary(content, budgetTokens * CHARACTERS_PER_TOKEN);
  for (let round = 0; round < 8; round++) {
    const tokens = countTokens(fitted);
    if (tokens <= budgetTokens || fitted.length === 0) return fitted;
    const target = Math.floor((fitted.length * budgetTokens) / tokens) - 1;
    fitted = truncateAtBoundary(fitted, Math.max(0, target));
  }
  return fitted;
}

/** The sampling temperature of each augmentation loop: 0, step, 2*step, ... */
export function loopTemperatures(augmentationLoops: number, temperatureStep: number): number[] {
  return Array.from({ length: augmentationLoops }, (_, loop) =>
    Number((loop * temperatureStep).toFixed(6)),
  );
}

/** Cleans a teacher reply: trims it and drops a wrapping ```markdown fence some models add. */
export function cleanSummary(reply: string): string {
  const trimmed = reply.trim();
  const fenced = /^```(?:markdown|md)?\s*\n([\s\S]*?)\n```$/i.exec(trimmed);
  return (fenced ? fenced[1]! : trimmed).trim();
}

export interface DatasetSample {
  /** The document content, fit to the student's context. */
  instruction: string;
  /** The teacher's summary. */
  answer: string;
}

export interface CandidateSample extends DatasetSample {
  /** Stable id (the persisted sample's key): the shuffle orders by it. */
  id: string;
  documentId: string;
}

export type DropReason = 'empty' | 'too_long' | 'duplicate';

export interface SampleFilterResult<T extends CandidateSample> {
  kept: T[];
  dropped: Record<DropReason, number>;
}

/** Whitespace and case do not make a summary different. */
function normalizedAnswer(answer: string): string {
  return answer.replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * Keeps the samples worth training on: drops empty answers, answers longer than twice the
 * summary limit (the teacher ignored the instruction), and duplicates (the same answer for the
 * same instruction, which low temperatures often produce). Samples are visited in id order, so
 * which duplicate survives does not depend on input order.
 */
export function filterSamples<T extends CandidateSample>(
  samples: readonly T[],
  maxSummaryChars: number,
): SampleFilterResult<T> {
  const dropped: Record<DropReason, number> = { empty: 0, too_long: 0, duplicate: 0 };
  const seen = new Set<string>();
  const kept: T[] = [];
  for (const sample of [...samples].sort((a, b) => compareStrings(a.id, b.id))) {
    const answer = sample.answer.trim();
    if (answer === '') {
      dropped.empty++;
      continue;
    }
    if (answer.length > 2 * maxSummaryChars) {
      dropped.too_long++;
      continue;
    }
    const key = `${sample.instruction}\u0000${normalizedAnswer(answer)}`;
    if (seen.has(key)) {
      dropped.duplicate++;
      continue;
    }
    seen.add(key);
    kept.push({ ...sample, answer });
  }
  return { kept, dropped };
}

/** Code-unit order, independent of the locale the worker runs in. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Tokens reserved around the teacher's prompt for its chat template. */
const TEACHER_TEMPLATE_ALLOWANCE_TOKENS = 64;

/** Room for the answer: twice the limit (longer answers are dropped anyway), estimated. */
export function summaryMaxTokens(maxSummaryChars: number): number {
  return estimateTokens('x'.repeat(2 * maxSummaryChars)) + 16;
}

/**
 * The instruction sent for a document: it must fit the student's context, and the prompt
 * around it must fit the teacher's (its window minus the system prompt, the answer and the
 * chat template).
 */
export function fitInstruction(
  content: string,
  budgets: {
    studentTokens: number;
    teacherContextWindow: number;
    systemPromptTokens: number;
    answerTokens: number;
  },
  countTokens: (text: string) => number,
): string {
  const teacherBudget =
    budgets.teacherContextWindow -
    budgets.systemPromptTokens -
    budgets.answerTokens -
    TEACHER_TEMPLATE_ALLOWANCE_TOKENS;
  const studentFit = fitToTokenBudget(content, budgets.studentTokens);
  return fitToTokenBudget(studentFit, Math.max(0, teacherBudget), countTokens);
}
