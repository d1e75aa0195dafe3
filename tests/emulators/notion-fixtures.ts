// Recorded-shape Notion fixtures: builders for rich text, blocks, pages and comments in the
// API's own shapes, and the workspace the collection tests run against.
import { randomUUID } from 'node:crypto';
import type { EmulatedBlock, EmulatedPage, Json, NotionEmulator } from './notion-emulator.js';

type Tree = EmulatedBlock & { children?: Tree[] };

const user = { object: 'user', id: '6794760a-1f15-45cd-9c65-0dfe42f5135a' };
const fixtureTime = '2025-01-10T09:30:00.000Z';

export function text(
  content: string,
  options: {
    bold?: boolean;
    italic?: boolean;
    code?: boolean;
    strikethrough?: boolean;
    link?: string;
  } = {},
): Json {
  return {
    type: 'text',
    text: { content, link: options.link ? { url: options.link } : null },
    annotations: {
      bold: options.bold ?? false,
      italic: options.italic ?? false,
      strikethrough: options.strikethrough ?? false,
      underline: false,
      code: options.code ?? false,
      color: 'default',
    },
    plain_text: content,
    href: options.link ?? null,
  };
}

export function pageMention(pageId: string, title: string): Json {
  return {
    type: 'mention',
    mention: { type: 'page', page: { id: pageId } },
    annotations: {
      bold: false,
      italic: false,
      strikethrough: false,
      underline: false,
      code: false,
      color: 'default',
    },
    plain_text: title,
    href: `https://www.notion.so/${pageId.replaceAll('-', '')}`,
  };
}

export function block(type: string, payload: Json, children?: Tree[]): Tree {
  return {
    object: 'block',
    id: randomUUID(),
    parent: { type: 'page_id', page_id: randomUUID() },
    created_time: fixtureTime,
    last_edited_time: fixtureTime,
    created_by: user,
    last_edited_by: user,
    has_children: (children?.length ?? 0) > 0,
    archived: false,
    in_trash: false,
    type,
    [type]: payload,
    ...(children ? { children } : {}),
  };
}

export const paragraph = (...richText: Json[]) =>
  block('paragraph', { rich_text: richText, color: 'default' });

export function page(
  databaseId: string,
  title: string,
  type: 'Node' | 'Leaf',
  options: { multiSelect?: boolean } = {},
): EmulatedPage {
  const id = randomUUID();
  return {
    object: 'page',
    id,
    created_time: fixtureTime,
    last_edited_time: fixtureTime,
    created_by: user,
    last_edited_by: user,
    cover: null,
    icon: null,
    parent: { type: 'database_id', database_id: databaseId },
    archived: false,
    in_trash: false,
    properties: {
      Type: options.multiSelect
        ? {
            id: 'Ztw%3B',
            type: 'multi_select',
            multi_select: [{ id: 'b1f2', name: type, color: 'blue' }],
          }
        : { id: 'Ztw%3B', type: 'select', select: { id: 'a1e9', name: type, color: 'green' } },
      Name: { id: 'title', type: 'title', title: [text(title)] },
    },
    url: `https://www.notion.so/${title.replace(/[^A-Za-z0-9]+/g, '-')}-${id.replaceAll('-', '')}`,
    public_url: null,
  };
}

export function comment(pageId: string, content: string, link?: string): Json {
  return {
    object: 'comment',
    id: randomUUID(),
    parent: { type: 'page_id', page_id: pageId },
    discussion_id: randomUUID(),
    created_time: fixtureTime,
    last_edited_time: fixtureTime,
    created_by: user,
    rich_text: link ? [text(content), text(link, { link })] : [text(content)],
  };
}

/** The "Notes" page: every block type the collector renders, nested three levels deep. */
function notesBlocks(otherPageId: string): Tree[] {
  const grandchildPage = block('child_page', { title: 'Grandchild page' }, [
    paragraph(text('Two levels of child pages down.')),
  ]);
  const synced = block('synced_block', { synced_from: null }, [paragraph(text('Synced content'))]);
  return [
    block('heading_1', { rich_text: [text('Resources')], is_toggleable: false, color: 'default' }),
    block('heading_2', { rich_text: [text('Articles')], is_toggleable: false, color: 'default' }),
    block('heading_3', { rich_text: [text('Details')], is_toggleable: false, color: 'default' }),
    paragraph(
      text('Plain, '),
      text('bold', { bold: true }),
      text(', '),
      text('italic', { italic: true }),
      text(', '),
      text('code', { code: true }),
      text(', '),
      text('struck', { strikethrough: true }),
      text(', a '),
      text('link', { link: 'https://Example.com/Article?utm_source=notion&id=7#intro' }),
      text(' and a mention of '),
      pageMention(otherPageId, 'Leaf 3'),
    ),
    block('bulleted_list_item', { rich_text: [text('Level 1')], color: 'default' }, [
      block('bulleted_list_item', { rich_text: [text('Level 2')], color: 'default' }, [
        block('bulleted_list_item', { rich_text: [text('Level 3')], color: 'default' }),
      ]),
    ]),
    block('numbered_list_item', { rich_text: [text('First')], color: 'default' }),
    block('numbered_list_item', { rich_text: [text('Second')], color: 'default' }, [
      block('numbered_list_item', { rich_text: [text('Second, nested')], color: 'default' }),
    ]),
    block('to_do', { rich_text: [text('Done task')], checked: true, color: 'default' }),
    block('to_do', { rich_text: [text('Open task')], checked: false, color: 'default' }),
    block('toggle', { rich_text: [text('Tools toggle')], color: 'default' }, [
      block('bookmark', { caption: [], url: 'https://github.com/ekzhu/datasketch' }),
      block('toggle', { rich_text: [text('Inner toggle')], color: 'default' }, [
        paragraph(text('Deepest', { link: 'https://deep.example.org/x?fbclid=abc' })),
      ]),
    ]),
    block('quote', { rich_text: [text('A quoted line')], color: 'default' }),
    block('callout', {
      rich_text: [text('Remember this')],
      icon: { type: 'emoji', emoji: '💡' },
      color: 'gray_background',
    }),
    block('code', {
      caption: [],
      rich_text: [text('print("hello")')],
      language: 'python',
    }),
    block('equation', { expression: 'e = mc^2' }),
    block('divider', {}),
    block('image', {
      caption: [text('A diagram')],
      type: 'external',
      external: { url: 'https://images.example.com/diagram.png' },
    }),
    block('file', {
      caption: [],
      type: 'file',
      file: { url: 'https://files.example.com/paper.pdf', expiry_time: fixtureTime },
      name: 'paper.pdf',
    }),
    block('link_preview', { url: 'https://github.com/pydantic/pydantic-ai' }),
    block('embed', { caption: [], url: 'https://www.youtube.com/watch?v=abc' }),
    block('table', { table_width: 2, has_column_header: true, has_row_header: false }, [
      block('table_row', { cells: [[text('Tool')], [text('Use')]] }),
      block('table_row', { cells: [[text('vLLM')], [text('serving')]] }),
    ]),
    block('column_list', {}, [
      block('column', {}, [paragraph(text('Left column'))]),
      block('column', {}, [paragraph(text('Right column'))]),
    ]),
    synced,
    {
      ...block('synced_block', { synced_from: { type: 'block_id', block_id: synced.id } }),
      has_children: true,
    },
    block('child_page', { title: 'Agents Memory' }, [
      paragraph(text('Child page text')),
      grandchildPage,
    ]),
    block('child_database', { title: 'Reading list' }),
    block('ai_meeting_notes_v9', { whatever: true }),
  ];
}

export interface Workspace {
  databaseId: string;
  notesPageId: string;
  unsharedPageId: string;
  longPageId: string;
  leafPageIds: string[];
  totalPages: number;
}

/** 123 database entries: more than one page of query results (Notion returns at most 100). */
export function buildWorkspace(emulator: NotionEmulator): Workspace {
  const databaseId = randomUUID();
  emulator.addDatabase(databaseId);
  const leafPageIds: string[] = [];
  for (let index = 0; index < 120; index++) {
    const leaf = page(databaseId, `Leaf ${index}`, 'Leaf');
    emulator.addPage(databaseId, leaf, [
      block('heading_1', { rich_text: [text('Tools')], is_toggleable: true, color: 'default' }, [
        block('link_preview', { url: `https://tools.example.com/${index}` }),
      ]),
    ]);
    leafPageIds.push(leaf.id);
  }
  const notes = page(databaseId, 'Notes', 'Node', { multiSelect: true });
  emulator.addPage(databaseId, notes, notesBlocks(leafPageIds[3]!), [
    comment(notes.id, 'Worth a read: '),
    comment(notes.id, 'See also ', 'https://arxiv.org/abs/2201.11903?utm_campaign=batch'),
  ]);
  const unshared = page(databaseId, 'Private page', 'Leaf');
  emulator.addPage(databaseId, unshared, [paragraph(text('secret'))]);
  emulator.unsharePage(unshared.id);
  // More blocks than one result page of block children.
  const long = page(databaseId, 'Long page', 'Leaf');
  emulator.addPage(
    databaseId,
    long,
    Array.from({ length: 150 }, (_, index) => paragraph(text(`Line ${index}`))),
  );
  return {
    databaseId,
    notesPageId: notes.id,
    unsharedPageId: unshared.id,
    longPageId: long.id,
    leafPageIds,
    totalPages: 123,
  };
}
