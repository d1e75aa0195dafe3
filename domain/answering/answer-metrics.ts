// Deterministic answer metrics, shared by the answer benchmark (bench/answers) and the
// `evaluate` pipeline, so a run with a small local judge still means something: was the
// question answered, is the answer grounded (it cites the page that answers it and says one of
// the terms an answer must contain), do its citations point at passages that support it, and
// was a question the knowledge base cannot answer declined.
import type { AnswerKind } from '../agent.js';
import { markersBeforeStops, supportBy } from './grounding.js';
import { answerTerms } from './answer-terms.js';
import { splitSentences } from './sentences.js';

export interface LabelledQuestion {
  id: string;
  question: string;
  /** Pages (URL or document id substrings) that answer it; empty for an unanswerable one. */
  answerPages: string[];
  /** Terms an answer must contain at least one of (case-insensitive); empty if unanswerable. */
  keyTerms: string[];
}

export interface ScoredSource {
  n: number;
  url: string;
  documentId?: string;
  text: string;
}

export interface AnswerToScore {
  answer: string;
  answerKind: AnswerKind;
  /** The sources the answer cites, with their text. */
  sources: ScoredSource[];
}

export interface AnswerScore {
  answerable: boolean;
  answered: boolean;
  grounded: boolean;
  /** Share of cited sources that support a sentence citing them; null without citations. */
  citationPrecision: number | null;
  declinedCorrectly: boolean;
}

/** A cited passage supports the answer when a sentence citing it stands mostly in it. */
const SUPPORT_THRESHOLD = 0.5;

function citesPage(question: LabelledQuestion, sources: ScoredSource[]): boolean {
  return sources.some((source) =>
    question.answerPages.some(
      (page) => source.url.includes(page) || (source.documentId ?? '').includes(page),
    ),
  );
}

function mentionsKeyTerm(question: LabelledQuestion, answer: string): boolean {
  const text = answer.toLowerCase();
  return question.keyTerms.some((term) => text.includes(term.toLowerCase()));
}

export function citationPrecision(answer: string, sources: ScoredSource[]): number | null {
  if (sources.length === 0) return null;
  const sentences = splitSentences(markersBeforeStops(answer));
  const supported = sources.filter((source) => {
    const terms = new Set(answerTerms(source.text));
    return sentences.some(
      (sentence) =>
        sentence.includes(`[${source.n}]`) &&
        supportBy(sentence.replace(/\[\d+\]/g, ''), terms) >= SUPPORT_THRESHOLD,
    );
  });
  return supported.length / sources.length;
}

export function scoreAnswer(question: LabelledQuestion, answer: AnswerToScore): AnswerScore {
  const answerable = question.answerPages.length > 0;
  const answered = answer.answerKind !== 'declined';
  return {
    answerable,
    answered,
    grounded:
      answerable &&
      answered &&
      citesPage(question, answer.sources) &&
      mentionsKeyTerm(question, answer.answer),
    citationPrecision: answered ? citationPrecision(answer.answer, answer.sources) : null,
    declinedCorrectly: !answerable && !answered,
  };
}

export interface AnswerSummary {
  questions: number;
  answerable: number;
  unanswerable: number;
  /** Shares (0-1). */
  answeredRate: number;
  groundedRate: number;
  citationPrecision: number;
  declinedWhenUnanswerable: number;
}

export function summarizeScores(scores: AnswerScore[]): AnswerSummary {
  const answerable = scores.filter((score) => score.answerable);
  const unanswerable = scores.filter((score) => !score.answerable);
  const precisions = scores.flatMap((score) =>
    score.citationPrecision === null ? [] : [score.citationPrecision],
  );
  const share = (count: number, total: number) => (total === 0 ? 0 : count / total);
  return {
    questions: scores.length,
    answerable: answerable.length,
    unanswerable: unanswerable.length,
    answeredRate: share(answerable.filter((score) => score.answered).length, answerable.length),
    groundedRate: share(answerable.filter((score) => score.grounded).length, answerable.length),
    citationPrecision: share(
      precisions.reduce((sum, value) => sum + value, 0),
      precisions.length,
    ),
    declinedWhenUnanswerable: share(
      unanswerable.filter((score) => score.declinedCorrectly).length,
      unanswerable.length,
    ),
  };
}
