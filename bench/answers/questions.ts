// The answer benchmark's questions (questions.json): answerable ones labelled with the manual
// page(s) that answer them and the key terms an answer must contain one of, and unanswerable
// ones (no pages, no terms) the agent should decline. The schema is the runner's and the unit
// test's, so a malformed file fails before any server starts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { LabelledQuestion } from '../../domain/answering/answer-metrics.js';

export const QUESTIONS_FILE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'questions.json',
);

export const QUESTION_KINDS = [
  'definition',
  'how-to',
  'parameter',
  'command',
  'unanswerable',
] as const;

export const benchmarkQuestionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    kind: z.enum(QUESTION_KINDS),
    question: z.string().min(8).max(300),
    /** HTML file names of the manual, matched as substrings of a source's URL or document id. */
    answerPages: z.array(z.string().regex(/^[a-z0-9-]+\.html$/)).max(4),
    /** An answer must contain at least one of these (case-insensitive). */
    keyTerms: z.array(z.string().min(2)).max(5),
  })
  .strict()
  .superRefine((question, context) => {
    const answerable = question.answerPages.length > 0;
    if (answerable !== (question.kind !== 'unanswerable'))
      context.addIssue({
        code: 'custom',
        path: ['kind'],
        message: 'unanswerable questions (and only they) have no answer pages',
      });
    if (answerable && (question.keyTerms.length < 2 || question.keyTerms.length > 5))
      context.addIssue({
        code: 'custom',
        path: ['keyTerms'],
        message: 'an answerable question needs 2-5 key terms',
      });
    if (!answerable && question.keyTerms.length > 0)
      context.addIssue({
        code: 'custom',
        path: ['keyTerms'],
        message: 'an unanswerable question has no key terms',
      });
  });

export const benchmarkQuestionsSchema = z
  .object({
    corpus: z.string(),
    questions: z.array(benchmarkQuestionSchema).min(1),
  })
  .strict()
  .superRefine((file, context) => {
    const seen = new Set<string>();
    for (const [index, question] of file.questions.entries()) {
      if (seen.has(question.id))
        context.addIssue({
          code: 'custom',
          path: ['questions', index, 'id'],
          message: `duplicate id ${question.id}`,
        });
      seen.add(question.id);
    }
  });

export type BenchmarkQuestion = z.infer<typeof benchmarkQuestionSchema> & LabelledQuestion;

export function loadQuestions(file = QUESTIONS_FILE): BenchmarkQuestion[] {
  return benchmarkQuestionsSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).questions;
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** A manual page's visible text (tags dropped, entities decoded, whitespace collapsed). */
export function htmlText(html: string): string {
  return html
    .replace(/<head>[\s\S]*?<\/head>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
      if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? entity;
    })
    .replace(/\s+/g, ' ');
}
