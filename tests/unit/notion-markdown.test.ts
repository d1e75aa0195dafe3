import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  blocksToMarkdown,
  pageTitle,
  richTextToMarkdown,
  simplifyProperties,
  type NotionBlock,
  type NotionRichText,
} from '../../domain/notion-markdown.js';

let counter = 0;
function block(
  type: string,
  payload: Record<string, unknown>,
  children?: NotionBlock[],
): NotionBlock {
  counter += 1;
  return {
    object: 'block',
    id: `00000000-0000-0000-0000-${String(counter).padStart(12, '0')}`,
    type,
    has_children: children !== undefined,
    [type]: payload,
    ...(children ? { children } : {}),
  };
}

function text(
  content: string,
  annotations: NotionRichText['annotations'] = {},
  link?: string,
): NotionRichText {
  return {
    type: 'text',
    plain_text: content,
    href: link ?? null,
    annotations,
    text: { content, link: link ? { url: link } : null },
  };
}

const rich = (...items: NotionRichText[]) => ({ rich_text: items });
const markdown = (blocks: NotionBlock[], childPages: 'inline' | 'link' = 'inline') =>
  blocksToMarkdown(blocks, { childPages }).markdown;

describe('Notion rich text to Markdown', () => {
  it('renders every annotation, links, mentions and inline equations', () => {
    assert.equal(
      richTextToMarkdown([
        text('bold', { bold: true }),
        text(' '),
        text('italic', { italic: true }),
        text(' '),
        text('code', { code: true }),
        text(' '),
        text('gone', { strikethrough: true }),
        text(' '),
        text('all', { bold: true, italic: true, code: true }),
        text(' '),
        text('site', {}, 'https://example.com'),
        text(' '),
        {
          type: 'mention',
          plain_text: 'Other page',
          href: 'https://www.notion.so/abc',
          mention: { type: 'page' },
        },
        text(' '),
        { type: 'mention', plain_text: '@Ada', href: null, mention: { type: 'user' } },
        text(' '),
        { type: 'equation', plain_text: 'x^2', equation: { expression: 'x^2' } },
      ]),
      '**bold** *italic* `code` ~~gone~~ ***`all`*** [site](https://example.com) [Other page](https://www.notion.so/abc) @Ada $x^2$',
    );
  });

  it('keeps spaces outside markers, so Markdown still parses them', () => {
    assert.equal(
      richTextToMarkdown([text('a'), text(' bold ', { bold: true }), text('b')]),
      'a **bold** b',
    );
    assert.equal(richTextToMarkdown([text('  ', { bold: true })]), '  ');
  });

  it('turns Notion-relative links into notion.so URLs', () => {
    assert.equal(
      richTextToMarkdown([text('p', {}, '/0aa4cffc5cabbbccc861accc02c0b0b3')]),
      '[p](https://www.notion.so/0aa4cffc5cabbbccc861accc02c0b0b3)',
    );
  });
});

describe('Notion blocks to Markdown', () => {
  it('renders headings and paragraphs separated by blank lines', () => {
    assert.equal(
      markdown([
        block('heading_1', rich(text('One'))),
        block('heading_2', rich(text('Two'))),
        block('heading_3', rich(text('Three'))),
        block('paragraph', rich(text('Body'))),
        block('paragraph', rich()),
      ]),
      '# One\n\n## Two\n\n### Three\n\nBody\n\n',
    );
  });

  it('nests bulleted, numbered and to-do lists three levels deep, numbering each run', () => {
    assert.equal(
      markdown([
        block('bulleted_list_item', rich(text('a')), [
          block('bulleted_list_item', rich(text('b')), [
            block('to_do', { ...rich(text('c')), checked: true }),
          ]),
        ]),
        block('numbered_list_item', rich(text('one'))),
        block('numbered_list_item', rich(text('two'))),
        block('paragraph', rich(text('break'))),
        block('numbered_list_item', rich(text('again'))),
        block('to_do', { ...rich(text('open')), checked: false }),
      ]),
      '- a\n\t- b\n\t\t- [x] c\n1. one\n2. two\n\nbreak\n\n1. again\n- [ ] open',
    );
  });

  it('renders toggles with their title and content, toggleable headings too', () => {
    assert.equal(
      markdown([
        block('toggle', rich(text('Title')), [block('paragraph', rich(text('inside')))]),
        block('heading_1', { ...rich(text('Tools')), is_toggleable: true }, [
          block('link_preview', { url: 'https://github.com/ekzhu/datasketch' }),
        ]),
      ]),
      'Title\n\tinside\n\n# Tools\n\t[Link Preview](https://github.com/ekzhu/datasketch)',
    );
  });

  it('renders quotes, callouts, code with its language, equations and dividers', () => {
    assert.equal(
      markdown([
        block('quote', rich(text('line one\nline two'))),
        block('callout', { ...rich(text('Note')), icon: { type: 'emoji', emoji: '💡' } }),
        block('code', { ...rich(text('x = 1')), language: 'python', caption: [] }),
        block('code', { ...rich(text('plain')), language: 'plain text', caption: [] }),
        block('equation', { expression: 'E = mc^2' }),
        block('divider', {}),
      ]),
      '> line one\n> line two\n\n> 💡 Note\n\n```python\nx = 1\n```\n\n```\nplain\n```\n\n$$\nE = mc^2\n$$\n\n---',
    );
  });

  it('renders images, files, bookmarks, link previews and embeds as links', () => {
    assert.equal(
      markdown([
        block('image', {
          type: 'external',
          external: { url: 'https://i.example/a.png' },
          caption: [text('Alt')],
        }),
        block('image', { type: 'file', file: { url: 'https://s3.example/b.png' }, caption: [] }),
        block('file', {
          type: 'file',
          file: { url: 'https://s3.example/c.pdf' },
          caption: [],
          name: 'c.pdf',
        }),
        block('pdf', {
          type: 'external',
          external: { url: 'https://x.example/d.pdf' },
          caption: [],
        }),
        block('video', {
          type: 'external',
          external: { url: 'https://youtu.be/e' },
          caption: [text('Talk')],
        }),
        block('bookmark', { url: 'https://blog.example/post', caption: [] }),
        block('link_preview', { url: 'https://github.com/a/b' }),
        block('embed', { url: 'https://embed.example/x', caption: [] }),
      ]),
      [
        '![Alt](https://i.example/a.png)',
        '![](https://s3.example/b.png)',
        '[c.pdf](https://s3.example/c.pdf)',
        '[pdf](https://x.example/d.pdf)',
        '[Talk](https://youtu.be/e)',
        '[https://blog.example/post](https://blog.example/post)',
        '[Link Preview](https://github.com/a/b)',
        '[Embed](https://embed.example/x)',
      ].join('\n\n'),
    );
  });

  it('renders tables with and without a header row, escaping pipes', () => {
    const row = (...cells: string[]) =>
      block('table_row', { cells: cells.map((cell) => [text(cell)]) });
    assert.equal(
      markdown([
        block('table', { table_width: 2, has_column_header: true }, [
          row('A', 'B'),
          row('1', 'x|y'),
        ]),
      ]),
      '| A | B |\n| --- | --- |\n| 1 | x\\|y |',
    );
    assert.equal(
      markdown([block('table', { table_width: 2, has_column_header: false }, [row('1', '2')])]),
      '|  |  |\n| --- | --- |\n| 1 | 2 |',
    );
  });

  it('renders child pages inline between <child_page> tags, or as links, and child databases', () => {
    const child = () =>
      block('child_page', { title: 'Child' }, [block('paragraph', rich(text('Child body')))]);
    assert.equal(markdown([child()]), '<child_page>\n# Child\n\nChild body\n</child_page>');
    const linked = child();
    assert.equal(
      markdown([linked], 'link'),
      `[Child](https://www.notion.so/${linked.id.replaceAll('-', '')})`,
    );
    // A child page beyond maxDepth has no fetched children: it becomes a link too.
    const unfetched = block('child_page', { title: 'Deep' });
    assert.match(markdown([unfetched]), /^\[Deep\]\(https:\/\/www\.notion\.so\/[0-9a-f]{32}\)$/);
    assert.match(markdown([block('child_database', { title: 'Books' })]), /^\[Database: Books\]\(/);
  });

  it('renders the content of synced blocks and columns, and skips navigation blocks', () => {
    assert.equal(
      markdown([
        block('synced_block', { synced_from: null }, [block('paragraph', rich(text('synced')))]),
        block('column_list', {}, [
          block('column', {}, [block('paragraph', rich(text('left')))]),
          block('column', {}, [block('paragraph', rich(text('right')))]),
        ]),
        block('table_of_contents', {}),
        block('breadcrumb', {}),
      ]),
      'synced\n\nleft\n\nright',
    );
  });

  it('turns an unknown block type into a visible placeholder and a warning, never a crash', () => {
    const unknown = block('made_up_block', { anything: 1 });
    const result = blocksToMarkdown([block('paragraph', rich(text('before'))), unknown], {
      childPages: 'inline',
    });
    assert.equal(result.markdown, 'before\n\n[Unsupported Notion block: made_up_block]');
    assert.deepEqual(result.warnings, [
      `Unsupported Notion block type "made_up_block" (block ${unknown.id})`,
    ]);
  });
});

describe('Notion page properties', () => {
  it('finds the title and simplifies properties to the original format', () => {
    const properties = {
      Name: { id: 'title', type: 'title', title: [text('My page')] },
      Type: { id: 'a', type: 'select', select: { name: 'Leaf' } },
      Tags: { id: 'b', type: 'multi_select', multi_select: [{ name: 'Node' }, { name: 'LLM' }] },
      Notes: { id: 'c', type: 'rich_text', rich_text: [text('hello')] },
      Score: { id: 'd', type: 'number', number: 3 },
      Done: { id: 'e', type: 'checkbox', checkbox: true },
      When: { id: 'f', type: 'date', date: { start: '2025-01-01', end: null } },
      Empty: { id: 'g', type: 'select', select: null },
    };
    assert.equal(pageTitle(properties), 'My page');
    assert.deepEqual(simplifyProperties(properties), {
      Type: 'Leaf',
      Tags: ['Node', 'LLM'],
      Notes: 'hello',
      Score: 3,
      Done: true,
      When: '2025-01-01',
      Empty: null,
    });
  });
});
