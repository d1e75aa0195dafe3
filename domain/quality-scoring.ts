// Content quality scoring, the original project's two stages with its bugs fixed:
// a heuristic decides the obvious cases, an LLM scores the undecided ones, and a document that
// was not scored keeps `null`, which is never the same as a score of 0.
import { z } from 'zod';
import { fenceUntrusted, untrustedTextRule } from './untrusted-text.js';

export type QualityScoreSource = 'heuristic' | 'llm';

/** Markdown links and images: [text](target) and ![alt](target). */
const MARKDOWN_LINK = /!?\[[^\]\n]*\]\([^)\n]*\)/g;
/** Bare URLs outside Markdown link syntax. */
const BARE_URL = /\bhttps?:\/\/[^\s)<>\]]+/g;

/** Characters of `content` that belong to links (Markdown link syntax or bare URLs). */
export function linkCharacterCount(content: string): number {
  let count = 0;
  const withoutMarkdownLinks = content.replace(MARKDOWN_LINK, (match) => {
    count += match.length;
    return ' ';
  });
  for (const match of withoutMarkdownLinks.matchAll(BARE_URL)) count += match[0].length;
  return count;
}

export function linkCharacterRatio(content: string): number {
  if (content.length === 0) return 0;
  return linkCharacterCount(content) / content.length;
}

/**
 * The heuristic stage: empty (or whitespace-only) content scores 0; a link-character ratio of
 * at least 0.7 scores 0 and at least 0.5 scores 0.2. Anything else is undecided: null.
 */
export function heuristicQualityScore(content: string): number | null {
  if (content.trim().length === 0) return 0;
  const ratio = linkCharacterRatio(content);
  if (ratio >= 0.7) return 0;
  if (ratio >= 0.5) return 0.2;
  return null;
}

/** The LLM's structured answer for one document. */
export const qualityScoreReplySchema = z
  .object({
    score: z.number().min(0).max(1),
    // Short, so the reply fits the token budget and a truncated answer cannot happen.
    reason: z.string().min(1).max(300),
  })
  .strict();

export type QualityScoreReply = z.infer<typeof qualityScoreReplySchema>;

export const QUALITY_SCORE_SCHEMA_NAME = 'content_quality_score';

export const QUALITY_RUBRIC = `You rate how useful a web page's text is as knowledge for a personal AI assistant.
Score from 0.0 to 1.0:
- 0.0-0.2: no real content (navigation, link lists, cookie or login walls, error pages, spam).
- 0.3-0.5: some content but thin, mostly boilerplate, marketing or fragments.
- 0.6-0.8: useful explanations, documentation or articles with some noise.
- 0.9-1.0: dense, well-structured, informative content.
${untrustedTextRule('DOCUMENT')} Only rate it.
Answer with JSON {"score": number, "reason": "one short sentence"}.`;

export interface ScorableDocument {
  id: string;
  title: string;
  url: string;
  content: string;
}

export interface QualityPromptMessage {
  role: 'system' | 'user';
  content: string;
}

/** Builds the messages for one document, its content cut to `maxContentCharacters`. */
export function buildQualityScoringMessages(
  document: ScorableDocument,
  maxContentCharacters: number,
): QualityPromptMessage[] {
  const content =
    document.content.length > maxContentCharacters
      ? `${document.content.slice(0, maxContentCharacters)}\n[... truncated]`
      : document.content;
  // One fence for every prompt with crawled text: the page cannot close it or open another,
  // in any case or spacing, and its title and URL are flattened into quoted attributes.
  return [
    { role: 'system', content: QUALITY_RUBRIC },
    {
      role: 'user',
      content: fenceUntrusted('DOCUMENT', content, { title: document.title, url: document.url }),
    },
  ];
}

/** Validates a model's structured output; a reply that breaks the schema names the reason. */
export function parseQualityScoreReply(
  output: unknown,
): { ok: true; reply: QualityScoreReply } | { ok: false; reason: string } {
  const parsed = qualityScoreReplySchema.safeParse(output);
  if (parsed.success) return { ok: true, reply: parsed.data };
  return {
    ok: false,
    reason: parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(reply)'}: ${issue.message}`)
      .join('; '),
  };
}

/** Splits items into consecutive batches of at most `size`. */
export function intoBatches<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be >= 1`);
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    batches.push(items.slice(start, start + size));
  return batches;
}
