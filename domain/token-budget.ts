// Fitting text into a model's context window. Pure: the caller passes the model's own token
// counter (ChatModel.countTokens), so budgets are exact for that tokenizer. Markdown is cut at
// section boundaries first, so the model sees whole sections rather than a ragged tail.

export type CountTokens = (text: string) => number;

export interface TruncationResult {
  text: string;
  tokens: number;
  truncated: boolean;
  /** Sections kept whole, and the total; a section cut mid-way counts as not kept. */
  keptSections: number;
  totalSections: number;
}

/** Splits Markdown before each ATX heading (# … ######), ignoring headings inside code fences. */
export function splitMarkdownSections(markdown: string): string[] {
  const sections: string[] = [];
  let current: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (!inFence && /^#{1,6}\s/.test(line) && current.some((text) => text.trim() !== '')) {
      sections.push(current.join('\n'));
      current = [];
    }
    current.push(line);
  }
  if (current.length > 0) sections.push(current.join('\n'));
  return sections;
}

/**
 * Returns markdown within maxTokens. Whole sections are kept in document order, skipping any
 * that do not fit in what remains; when not even one fits, the first section is cut at the last
 * paragraph, then line, then word boundary that fits.
 */
export function truncateToTokenBudget(
  markdown: string,
  maxTokens: number,
  countTokens: CountTokens,
): TruncationResult {
  const sections = splitMarkdownSections(markdown);
  const total = countTokens(markdown);
  if (total <= maxTokens)
    return {
      text: markdown,
      tokens: total,
      truncated: false,
      keptSections: sections.length,
      totalSections: sections.length,
    };

  const kept: string[] = [];
  for (const section of sections) {
    const candidate = [...kept, section].join('\n');
    if (countTokens(candidate) <= maxTokens) kept.push(section);
  }
  if (kept.length > 0) {
    const text = kept.join('\n');
    return {
      text,
      tokens: countTokens(text),
      truncated: true,
      keptSections: kept.length,
      totalSections: sections.length,
    };
  }
  const text = cutToBudget(sections[0] ?? '', maxTokens, countTokens);
  return {
    text,
    tokens: countTokens(text),
    truncated: true,
    keptSections: 0,
    totalSections: sections.length,
  };
}

/**
 * The longest prefix that fits, ending on a paragraph or line boundary when that keeps at least
 * three quarters of the budget, else on a word boundary.
 */
function cutToBudget(text: string, maxTokens: number, countTokens: CountTokens): string {
  let best = '';
  for (const separator of ['\n\n', '\n', ' ']) {
    const pieces = text.split(separator);
    // Binary search over how many pieces fit: token counts grow with the prefix.
    let low = 0;
    let high = pieces.length;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (countTokens(pieces.slice(0, middle).join(separator)) <= maxTokens) low = middle;
      else high = middle - 1;
    }
    const prefix = pieces.slice(0, low).join(separator);
    if (countTokens(prefix) >= 0.75 * maxTokens) return prefix;
    if (prefix.length > best.length) best = prefix;
  }
  return best;
}
