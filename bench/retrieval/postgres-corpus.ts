// The benchmark corpus: the PostgreSQL 15 manual as shipped by Debian's postgresql-doc-15
// (HTML pages), converted to Markdown, with known-item queries made from section headings that
// are then held out of the indexed text, so a query never matches its label verbatim.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import TurndownService from 'turndown';
import { parseMarkdownBlocks } from '../../domain/chunking/markdown-blocks.js';
import { textTerms } from '../../domain/ranking/text-terms.js';

export const POSTGRES_DOC_DIRECTORY = '/usr/share/doc/postgresql-doc-15/html';

/** Installs Debian's postgresql-doc-15 when the manual is missing (the answer, ETL and retrieval benches' corpus). */
export function ensurePostgresDocs(say: (message: string) => void): void {
  if (existsSync(POSTGRES_DOC_DIRECTORY)) return;
  say('installing postgresql-doc-15 with apt-get');
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo'];
  for (const command of [
    [...asRoot, 'apt-get', 'update'],
    [...asRoot, 'apt-get', 'install', '-y', 'postgresql-doc-15'],
  ]) {
    const result = spawnSync(command[0]!, command.slice(1), { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command.join(' ')} failed`);
  }
}

export interface CorpusPage {
  id: string;
  file: string;
  title: string;
  markdown: string;
}

export interface KnownItemQuery {
  query: string;
  /** The page the heading came from. */
  documentId: string;
}

function turndown(): TurndownService {
  const service = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced' });
  // Navigation, tables of contents and index terms repeat other pages' headings: drop them.
  service.remove((node) => {
    // The project compiles without the DOM library: describe the little of a node used here.
    const element = node as unknown as { getAttribute?: (name: string) => string | null };
    const className = element.getAttribute?.('class') ?? '';
    return /\b(navheader|navfooter|toc|indexterm)\b/.test(className);
  });
  // Links keep their text only: a link's title attribute would leak the target's heading.
  service.addRule('plainLinks', {
    filter: 'a',
    replacement: (content) => content,
  });
  return service;
}

export function loadPostgresCorpus(directory = POSTGRES_DOC_DIRECTORY): CorpusPage[] {
  const service = turndown();
  const pages: CorpusPage[] = [];
  for (const file of readdirSync(directory)
    .filter((name) => name.endsWith('.html'))
    .sort()) {
    const html = readFileSync(path.join(directory, file), 'utf8');
    const body = html.replace(/<\?xml[^>]*>|<!DOCTYPE[^>]*>|<head>[\s\S]*?<\/head>/g, '');
    const markdown = service.turndown(body);
    const firstHeading = parseMarkdownBlocks(markdown).find((block) => block.kind === 'heading');
    pages.push({
      id: createHash('md5').update(file).digest('hex'),
      file,
      title: stripNumbering(firstHeading?.headings.at(-1)?.title ?? file),
      markdown,
    });
  }
  return pages;
}

/** "20.5.2. Checkpoints" → "Checkpoints"; "F.3.1. Functions" → "Functions". */
export function stripNumbering(title: string): string {
  return title.replace(/^(?:[A-Z]|\d+)(?:\.\d+)*\.\s+/, '').trim();
}

/** Heading lines removed: what the index sees. */
export function withoutHeadings(markdown: string): string {
  return markdown
    .split('\n')
    .filter((line) => !/^ {0,3}#{1,6}(\s|$)/.test(line))
    .join('\n')
    .trim();
}

/** Deterministic shuffle (mulberry32), so every run draws the same queries. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

/**
 * Known-item queries from subsection headings (not the page's own title, which the
 * title-context variant puts in front of chunks): at least two content words, and a heading
 * text that occurs on one page only, so the label is unambiguous.
 */
export function knownItemQueries(pages: CorpusPage[], count: number, seed = 15): KnownItemQuery[] {
  const byText = new Map<string, Set<string>>();
  const candidates: KnownItemQuery[] = [];
  for (const page of pages) {
    const headings = parseMarkdownBlocks(page.markdown).filter((block) => block.kind === 'heading');
    headings.slice(1).forEach((block) => {
      const text = stripNumbering(block.headings.at(-1)?.title ?? '');
      const key = text.toLowerCase();
      if (!byText.has(key)) byText.set(key, new Set());
      byText.get(key)?.add(page.id);
      const terms = textTerms(text).length;
      if (terms >= 2 && terms <= 8 && !text.includes('\n'))
        candidates.push({ query: text, documentId: page.id });
    });
  }
  const unique = candidates.filter(
    (candidate) => byText.get(candidate.query.toLowerCase())?.size === 1,
  );
  const seen = new Set<string>();
  const deduplicated = unique.filter((candidate) => {
    const key = candidate.query.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return shuffled(deduplicated, seed).slice(0, count);
}
