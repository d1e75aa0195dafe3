// Splits Markdown into blocks (headings, fenced code, tables, paragraphs), each carrying the path
// of headings it sits under. This is the first level of the recursive splitter: blocks are the
// units it tries to keep whole.

export type BlockKind = 'heading' | 'code' | 'table' | 'paragraph';

export interface Heading {
  level: number;
  title: string;
}

export interface MarkdownBlock {
  kind: BlockKind;
  text: string;
  /** The headings above this block, outermost first (a heading block includes itself). */
  headings: Heading[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const TABLE_ROW = /^ {0,3}\|/;

/** Applies a heading to a stack of open headings: it closes every heading of its level or deeper. */
export function pushHeading(stack: Heading[], heading: Heading): Heading[] {
  return [...stack.filter((open) => open.level < heading.level), heading];
}

export function parseMarkdownBlocks(
  markdown: string,
  initialHeadings: Heading[] = [],
): MarkdownBlock[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const blocks: MarkdownBlock[] = [];
  let headings = initialHeadings;
  let paragraph: string[] = [];

  const flushParagraph = () => {
    const text = paragraph.join('\n').trim();
    if (text) blocks.push({ kind: 'paragraph', text, headings });
    paragraph = [];
  };

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const fence = FENCE.exec(line);
    if (fence) {
      flushParagraph();
      const marker = fence[1] ?? '```';
      const body = [line];
      index++;
      for (; index < lines.length; index++) {
        const current = lines[index] ?? '';
        body.push(current);
        // A closing fence uses the same character, at least as long, and nothing after it.
        const closing = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(current);
        if (closing?.[1]?.[0] === marker[0] && (closing?.[1]?.length ?? 0) >= marker.length) break;
      }
      blocks.push({ kind: 'code', text: body.join('\n'), headings });
      continue;
    }
    const heading = ATX_HEADING.exec(line);
    if (heading) {
      flushParagraph();
      const title = (heading[2] ?? '').trim();
      headings = pushHeading(headings, { level: heading[1]?.length ?? 1, title });
      blocks.push({ kind: 'heading', text: line.trim(), headings });
      continue;
    }
    if (TABLE_ROW.test(line)) {
      flushParagraph();
      const rows = [line];
      while (index + 1 < lines.length && TABLE_ROW.test(lines[index + 1] ?? '')) {
        index++;
        rows.push(lines[index] ?? '');
      }
      blocks.push({ kind: 'table', text: rows.join('\n'), headings });
      continue;
    }
    if (line.trim() === '') {
      flushParagraph();
      continue;
    }
    paragraph.push(line);
  }
  flushParagraph();
  return blocks;
}
