// A token-based, Markdown-aware recursive splitter. It splits on headings and blocks first, then
// (only for a block too large for one chunk) on lines, sentences and words, and packs the pieces
// greedily into chunks of at most `chunkSize` tokens. Code blocks and tables stay whole when they
// fit; a larger one is cut between lines and each piece keeps its fences or header row, so every
// chunk is still valid Markdown. Consecutive chunks of one section share up to `chunkOverlap`
// tokens of trailing sentences, so a fact cut at a boundary is still whole in one of them.
import { SecondBrainError } from '../errors.js';
import { parseMarkdownBlocks, type BlockKind, type Heading } from './markdown-blocks.js';
import { cl100kTokenizer, type Tokenizer } from './tokenizer.js';

export const DEFAULT_CHUNK_SIZE = 640;
export const DEFAULT_CHUNK_OVERLAP = 0.15;

export interface ChunkingOptions {
  /** Most tokens in one chunk. */
  chunkSize?: number;
  /** A fraction of chunkSize when < 1, else a token count; always less than chunkSize. */
  chunkOverlap?: number;
  tokenizer?: Tokenizer;
  /** Headings open before the text starts (used when re-splitting a parent chunk). */
  initialHeadings?: Heading[];
}

export interface TextChunk {
  /** Position in the document, from 0. */
  index: number;
  text: string;
  tokenCount: number;
  /** Titles of the headings the chunk starts under, outermost first. */
  headingPath: string[];
  /** The same headings with their levels. */
  headings: Heading[];
}

interface Unit {
  text: string;
  /** Joins the unit to the previous one in a chunk: a blank line between blocks. */
  join: string;
  tokens: number;
  kind: BlockKind | 'overlap';
  headings: Heading[];
}

/** Resolves and checks the overlap: a fraction of the size, or tokens; always below the size. */
export function resolveChunkOverlap(chunkSize: number, chunkOverlap: number): number {
  if (!Number.isInteger(chunkSize) || chunkSize < 16) {
    throw new SecondBrainError(
      'validation',
      `chunkSize must be an integer >= 16 (got ${chunkSize})`,
    );
  }
  if (!Number.isFinite(chunkOverlap) || chunkOverlap < 0) {
    throw new SecondBrainError('validation', `chunkOverlap must be >= 0 (got ${chunkOverlap})`);
  }
  const tokens = chunkOverlap < 1 ? Math.floor(chunkSize * chunkOverlap) : Math.floor(chunkOverlap);
  if (tokens >= chunkSize) {
    throw new SecondBrainError(
      'validation',
      `chunkOverlap (${tokens} tokens) must be less than chunkSize (${chunkSize} tokens)`,
    );
  }
  return tokens;
}

const SENTENCE_END = /(?<=[.!?;:。！？])\s+(?=\S)/u;

interface Piece {
  text: string;
  /** What joins this piece to the one before it when both land in one chunk. */
  join: string;
}

/**
 * Splits text that is too long, coarsest separator first: lines, sentences, words, tokens. The
 * pieces are as fine as that level makes them (e.g. single sentences), so the packer can fill
 * chunks tightly and overlap by sentences.
 */
function splitOversized(text: string, limit: number, tokenizer: Tokenizer, join = '\n\n'): Piece[] {
  if (tokenizer.count(text) <= limit) return [{ text, join }];
  const levels: Array<{ split: (value: string) => string[]; join: string }> = [
    { split: (value) => value.split('\n'), join: '\n' },
    { split: (value) => value.split(SENTENCE_END), join: ' ' },
  ];
  for (const level of levels) {
    const parts = level.split(text).filter((part) => part.trim() !== '');
    if (parts.length < 2) continue;
    return parts.flatMap((part, index) =>
      splitOversized(part.trim(), limit, tokenizer, index === 0 ? join : level.join),
    );
  }
  // One sentence longer than a chunk: pack its words.
  const words = text.split(/(?<=\s)(?=\S)/u);
  if (words.length > 1) {
    const pieces: Piece[] = [];
    let current = '';
    for (const word of words) {
      if (current !== '' && tokenizer.count(current + word) > limit) {
        pieces.push(
          ...splitOversized(current.trimEnd(), limit, tokenizer, pieces.length === 0 ? join : ' '),
        );
        current = '';
      }
      current += word;
    }
    if (current.trim() !== '')
      pieces.push(
        ...splitOversized(current.trimEnd(), limit, tokenizer, pieces.length === 0 ? join : ' '),
      );
    return pieces;
  }
  // One unbreakable run (a long URL or base64): cut by tokens, then back off to whole characters
  // so a multi-byte character is never split.
  const tokens = tokenizer.encode(text);
  const pieces: Piece[] = [];
  let start = 0;
  while (start < tokens.length) {
    let end = Math.min(tokens.length, start + limit);
    let piece = tokenizer.decode(tokens.slice(start, end));
    while (piece.endsWith('\uFFFD') && end - 1 > start) {
      end--;
      piece = tokenizer.decode(tokens.slice(start, end));
    }
    pieces.push({ text: piece, join: pieces.length === 0 ? join : '' });
    start = end;
  }
  return pieces;
}

/** Cuts a code block or table between lines, repeating its fences or header rows in each piece. */
function splitStructured(
  kind: 'code' | 'table',
  text: string,
  limit: number,
  tokenizer: Tokenizer,
): string[] {
  const lines = text.split('\n');
  let head: string[];
  let tail: string[];
  let body: string[];
  if (kind === 'code') {
    head = lines.slice(0, 1);
    const closed = lines.length > 1 && /^ {0,3}(`{3,}|~{3,})[ \t]*$/.test(lines.at(-1) ?? '');
    const fence = /^ {0,3}(`{3,}|~{3,})/.exec(lines[0] ?? '')?.[1] ?? '```';
    tail = [closed ? (lines.at(-1) ?? fence) : fence];
    body = lines.slice(1, closed ? -1 : undefined);
  } else {
    // Header row plus the |---| delimiter row, when present.
    const headerRows =
      /^ {0,3}\|?[\s:|-]+\|?\s*$/.test(lines[1] ?? '') && (lines[1] ?? '').includes('-') ? 2 : 1;
    head = lines.slice(0, headerRows);
    tail = [];
    body = lines.slice(headerRows);
  }
  const frame = tokenizer.count([...head, ...tail].join('\n')) + 2;
  const room = limit - frame;
  // A frame that leaves no room for content: give up on the structure and split as plain text.
  if (room < 8 || body.length === 0)
    return splitOversized(text, limit, tokenizer).map((piece) => piece.text);
  const pieces: string[] = [];
  let current: string[] = [];
  let currentTokens = 0;
  const flush = () => {
    if (current.length > 0) pieces.push([...head, ...current, ...tail].join('\n'));
    current = [];
    currentTokens = 0;
  };
  for (const line of body) {
    for (const { text: part } of splitOversized(line, room, tokenizer)) {
      const tokens = tokenizer.count(part) + 1;
      if (current.length > 0 && currentTokens + tokens > room) flush();
      current.push(part);
      currentTokens += tokens;
    }
  }
  flush();
  return pieces;
}

/** The last sentences of a unit that fit in `budget` tokens (or nothing). */
function trailingSentences(unit: Unit, budget: number, tokenizer: Tokenizer): string {
  if (unit.kind === 'code' || unit.kind === 'table' || unit.kind === 'heading') return '';
  const sentences = unit.text.split(SENTENCE_END);
  let taken = '';
  for (let index = sentences.length - 1; index > 0; index--) {
    const candidate =
      taken === '' ? (sentences[index] ?? '') : `${sentences[index] ?? ''} ${taken}`;
    if (tokenizer.count(candidate) > budget) break;
    taken = candidate;
  }
  return taken;
}

/** Splits Markdown into token-bounded chunks carrying their heading path. */
export function chunkMarkdown(markdown: string, options: ChunkingOptions = {}): TextChunk[] {
  const tokenizer = options.tokenizer ?? cl100kTokenizer();
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const overlap = resolveChunkOverlap(chunkSize, options.chunkOverlap ?? DEFAULT_CHUNK_OVERLAP);
  // Separators ("\n\n") cost about a token each; keeping that slack makes the count exact enough
  // that a packed chunk never exceeds chunkSize when re-tokenized as a whole.
  const separatorTokens = 1;

  const units: Unit[] = [];
  for (const block of parseMarkdownBlocks(markdown, options.initialHeadings)) {
    const tokens = tokenizer.count(block.text);
    if (tokens <= chunkSize) {
      units.push({
        text: block.text,
        join: '\n\n',
        tokens,
        kind: block.kind,
        headings: block.headings,
      });
      continue;
    }
    const pieces: Piece[] =
      block.kind === 'code' || block.kind === 'table'
        ? splitStructured(block.kind, block.text, chunkSize, tokenizer).map((text) => ({
            text,
            join: '\n\n',
          }))
        : splitOversized(block.text, chunkSize, tokenizer);
    for (const piece of pieces) {
      units.push({
        text: piece.text,
        join: piece.join,
        tokens: tokenizer.count(piece.text),
        kind: block.kind,
        headings: block.headings,
      });
    }
  }

  const chunks: TextChunk[] = [];
  let current: Unit[] = [];
  let currentTokens = 0;
  const emit = (units: Unit[]) => {
    if (units.length === 0 || units.every((unit) => unit.kind === 'overlap')) return;
    const text = units
      .map((unit, index) => (index === 0 ? unit.text : unit.join + unit.text))
      .join('');
    const headings = (units.find((unit) => unit.kind !== 'overlap') ?? units[0])?.headings ?? [];
    chunks.push({
      index: chunks.length,
      text,
      tokenCount: tokenizer.count(text),
      headings,
      headingPath: headings.map((heading) => heading.title),
    });
  };

  for (const unit of units) {
    const cost = unit.tokens + (current.length > 0 ? separatorTokens : 0);
    if (current.length === 0 || currentTokens + cost <= chunkSize) {
      current.push(unit);
      currentTokens += cost;
      continue;
    }
    // Headings at the end of a full chunk belong with what follows them.
    const carried: Unit[] = [];
    while (current.length > 0 && current.at(-1)?.kind === 'heading')
      carried.unshift(current.pop() as Unit);
    emit(current);
    let next: Unit[] = carried;
    if (carried.length === 0 && unit.kind !== 'heading' && overlap > 0) {
      // Overlap within a section: whole trailing units that fit, then trailing sentences.
      const budget = Math.min(overlap, chunkSize - unit.tokens - separatorTokens * 2);
      const tail: string[] = [];
      let used = 0;
      for (let index = current.length - 1; index > 0 && budget - used > 0; index--) {
        const previous = current[index] as Unit;
        if (previous.kind === 'heading') break;
        if (used + previous.tokens + separatorTokens <= budget) {
          tail.unshift(previous.text);
          used += previous.tokens + separatorTokens;
          continue;
        }
        const sentences = trailingSentences(previous, budget - used - separatorTokens, tokenizer);
        if (sentences) tail.unshift(sentences);
        break;
      }
      if (tail.length === 0 && current.length === 1) {
        const sentences = trailingSentences(
          current[0] as Unit,
          budget - separatorTokens,
          tokenizer,
        );
        if (sentences) tail.push(sentences);
      }
      if (tail.length > 0) {
        const text = tail.join('\n\n');
        next = [
          {
            text,
            join: '\n\n',
            tokens: tokenizer.count(text),
            kind: 'overlap',
            headings: unit.headings,
          },
        ];
      }
    }
    current = next;
    currentTokens = current.reduce(
      (sum, item, index) => sum + item.tokens + (index > 0 ? separatorTokens : 0),
      0,
    );
    const unitCost = unit.tokens + (current.length > 0 ? separatorTokens : 0);
    if (current.length > 0 && currentTokens + unitCost > chunkSize) {
      emit(current);
      current = [];
      currentTokens = 0;
    }
    current.push(unit);
    currentTokens += unit.tokens + (current.length > 1 ? separatorTokens : 0);
  }
  emit(current);
  return chunks;
}
