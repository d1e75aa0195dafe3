// Notion blocks to Markdown, as pure functions. The collector fetches a page's block tree (each
// block with its fetched `children`) and this module renders it. The layout follows the original
// project's published documents: nested content is indented with one tab per level, child pages
// appear inline between <child_page> tags, link previews as [Link Preview](url).

/** One rich-text item as the Notion API returns it (text, mention or equation). */
export interface NotionRichText {
  type: string;
  plain_text: string;
  href?: string | null;
  annotations?: {
    bold?: boolean;
    italic?: boolean;
    strikethrough?: boolean;
    underline?: boolean;
    code?: boolean;
    color?: string;
  };
  text?: { content: string; link?: { url: string } | null };
  equation?: { expression: string };
  mention?: { type: string } & Record<string, unknown>;
}

/** A Notion block, plus the children the collector fetched for it (when it has any). */
export interface NotionBlock {
  object?: 'block';
  id: string;
  type: string;
  has_children?: boolean;
  children?: NotionBlock[];
  [type: string]: unknown;
}

export interface MarkdownOptions {
  /** 'inline' renders a child page's content between <child_page> tags; 'link' links to it. */
  childPages: 'inline' | 'link';
}

export interface MarkdownResult {
  markdown: string;
  /** One line per block that could not be rendered (unknown types), for the activity to log. */
  warnings: string[];
}

interface FileObject {
  type?: string;
  external?: { url: string };
  file?: { url: string };
  name?: string;
  caption?: NotionRichText[];
}

export function notionPageUrl(id: string): string {
  return `https://www.notion.so/${id.replaceAll('-', '')}`;
}

/** Wraps text in a Markdown marker, keeping surrounding spaces outside (`** bold **` breaks). */
function wrap(text: string, marker: string): string {
  const match = /^(\s*)(.*?)(\s*)$/s.exec(text);
  if (!match || match[2] === '') return text;
  return `${match[1]}${marker}${match[2]}${marker}${match[3]}`;
}

/** Renders rich text with its annotations, links, mentions and inline equations. */
export function richTextToMarkdown(items: readonly NotionRichText[] | undefined): string {
  if (!items) return '';
  // The API's shape is not guaranteed at run time: a malformed block may carry anything here.
  const received: unknown = items;
  if (!Array.isArray(received)) throw new TypeError('rich text is not a list');
  return items
    .map((item) => {
      if (item.type === 'equation') return `$${item.equation?.expression ?? item.plain_text}$`;
      let text = item.type === 'text' ? (item.text?.content ?? item.plain_text) : item.plain_text;
      const annotations = item.annotations ?? {};
      if (annotations.code) text = wrap(text, '`');
      if (annotations.bold) text = wrap(text, '**');
      if (annotations.italic) text = wrap(text, '*');
      if (annotations.strikethrough) text = wrap(text, '~~');
      const link =
        item.type === 'text' ? (item.text?.link?.url ?? item.href ?? undefined) : item.href;
      if (link) {
        const resolved = link.startsWith('/') ? notionPageUrl(link.slice(1)) : link;
        return `[${text}](${resolved})`;
      }
      return text;
    })
    .join('');
}

/** Plain text of rich text, without Markdown (titles, table cells in properties, comments). */
export function richTextToPlain(items: readonly NotionRichText[] | undefined): string {
  return (items ?? []).map((item) => item.plain_text).join('');
}

function fileUrl(file: FileObject | undefined): string | undefined {
  return file?.external?.url ?? file?.file?.url;
}

function indent(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => `\t${line}`)
    .join('\n');
}

const LIST_TYPES = new Set(['bulleted_list_item', 'numbered_list_item', 'to_do']);

class Renderer {
  readonly warnings: string[] = [];
  constructor(private readonly options: MarkdownOptions) {}

  blocks(blocks: readonly NotionBlock[]): string {
    const parts: { text: string; list: boolean }[] = [];
    let number = 0;
    for (const block of blocks) {
      number = block.type === 'numbered_list_item' ? number + 1 : 0;
      const text = this.guardedBlock(block, number);
      if (text === undefined) continue;
      parts.push({ text, list: LIST_TYPES.has(block.type) });
    }
    // List items stay on consecutive lines; everything else is separated by a blank line.
    return parts
      .map((part, index) => {
        if (index === 0) return part.text;
        const separator = part.list && parts[index - 1]!.list ? '\n' : '\n\n';
        return `${separator}${part.text}`;
      })
      .join('');
  }

  /**
   * A block whose payload does not have the documented shape (a missing payload, rich text
   * that is not a list...) becomes a visible placeholder and a warning, so one malformed block
   * never costs the rest of the page.
   */
  private guardedBlock(block: NotionBlock, number: number): string | undefined {
    try {
      return this.block(block, number);
    } catch (error) {
      const type = typeof block.type === 'string' && block.type !== '' ? block.type : 'unknown';
      this.warnings.push(
        `Malformed Notion block "${type}" (block ${block.id}): ${(error as Error).message}`,
      );
      return `[Malformed Notion block: ${type}]`;
    }
  }

  private children(block: NotionBlock): string {
    if (!block.children || block.children.length === 0) return '';
    return this.blocks(block.children);
  }

  /** The block's own line(s) followed by its children indented one level. */
  private withChildren(head: string, block: NotionBlock): string {
    const children = this.children(block);
    return children === '' ? head : `${head}\n${indent(children)}`;
  }

  private payload<T>(block: NotionBlock): T {
    return (block[block.type] ?? {}) as T;
  }

  private block(block: NotionBlock, number: number): string | undefined {
    type Text = { rich_text?: NotionRichText[] };
    switch (block.type) {
      case 'paragraph':
        return this.withChildren(richTextToMarkdown(this.payload<Text>(block).rich_text), block);
      case 'heading_1':
      case 'heading_2':
      case 'heading_3': {
        const level = Number(block.type.at(-1));
        const text = richTextToMarkdown(this.payload<Text>(block).rich_text);
        return this.withChildren(`${'#'.repeat(level)} ${text}`, block);
      }
      case 'bulleted_list_item':
        return this.withChildren(
          `- ${richTextToMarkdown(this.payload<Text>(block).rich_text)}`,
          block,
        );
      case 'numbered_list_item':
        return this.withChildren(
          `${number}. ${richTextToMarkdown(this.payload<Text>(block).rich_text)}`,
          block,
        );
      case 'to_do': {
        const todo = this.payload<Text & { checked?: boolean }>(block);
        return this.withChildren(
          `- [${todo.checked ? 'x' : ' '}] ${richTextToMarkdown(todo.rich_text)}`,
          block,
        );
      }
      case 'toggle':
        return this.withChildren(richTextToMarkdown(this.payload<Text>(block).rich_text), block);
      case 'quote': {
        const quote = richTextToMarkdown(this.payload<Text>(block).rich_text);
        const children = this.children(block);
        const body = children === '' ? quote : `${quote}\n\n${children}`;
        return body
          .split('\n')
          .map((line) => (line === '' ? '>' : `> ${line}`))
          .join('\n');
      }
      case 'callout': {
        const callout = this.payload<Text & { icon?: { type?: string; emoji?: string } | null }>(
          block,
        );
        const icon =
          callout.icon?.type === 'emoji' && callout.icon.emoji ? `${callout.icon.emoji} ` : '';
        const children = this.children(block);
        const body = `${icon}${richTextToMarkdown(callout.rich_text)}${children === '' ? '' : `\n\n${children}`}`;
        return body
          .split('\n')
          .map((line) => (line === '' ? '>' : `> ${line}`))
          .join('\n');
      }
      case 'code': {
        const code = this.payload<Text & { language?: string; caption?: NotionRichText[] }>(block);
        const language = code.language && code.language !== 'plain text' ? code.language : '';
        const caption = richTextToMarkdown(code.caption);
        const fence = `\`\`\`${language}\n${richTextToPlain(code.rich_text)}\n\`\`\``;
        return caption === '' ? fence : `${fence}\n${caption}`;
      }
      case 'equation':
        return `$$\n${this.payload<{ expression?: string }>(block).expression ?? ''}\n$$`;
      case 'divider':
        return '---';
      case 'image': {
        const image = this.payload<FileObject>(block);
        return `![${richTextToPlain(image.caption)}](${fileUrl(image) ?? ''})`;
      }
      case 'file':
      case 'pdf':
      case 'video':
      case 'audio': {
        const file = this.payload<FileObject>(block);
        const label = richTextToPlain(file.caption) || file.name || block.type;
        return `[${label}](${fileUrl(file) ?? ''})`;
      }
      case 'bookmark': {
        const bookmark = this.payload<{ url?: string; caption?: NotionRichText[] }>(block);
        const label = richTextToPlain(bookmark.caption) || bookmark.url || 'Bookmark';
        return `[${label}](${bookmark.url ?? ''})`;
      }
      case 'link_preview':
        return `[Link Preview](${this.payload<{ url?: string }>(block).url ?? ''})`;
      case 'embed': {
        const embed = this.payload<{ url?: string; caption?: NotionRichText[] }>(block);
        return `[${richTextToPlain(embed.caption) || 'Embed'}](${embed.url ?? ''})`;
      }
      case 'table':
        return this.table(block);
      case 'child_page': {
        const title = this.payload<{ title?: string }>(block).title ?? '';
        if (this.options.childPages === 'link' || block.children === undefined)
          return `[${title}](${notionPageUrl(block.id)})`;
        return `<child_page>\n# ${title}\n\n${this.children(block)}\n</child_page>`;
      }
      case 'child_database': {
        const title = this.payload<{ title?: string }>(block).title ?? '';
        return `[Database: ${title}](${notionPageUrl(block.id)})`;
      }
      case 'link_to_page': {
        const target = this.payload<{ page_id?: string; database_id?: string }>(block);
        const id = target.page_id ?? target.database_id;
        return id === undefined ? undefined : `[Linked page](${notionPageUrl(id)})`;
      }
      // Containers whose children are the content: no marker of their own.
      case 'synced_block':
      case 'column_list':
      case 'column':
        return this.children(block) || undefined;
      // Navigation aids that carry no knowledge.
      case 'table_of_contents':
      case 'breadcrumb':
        return undefined;
      default:
        this.warnings.push(`Unsupported Notion block type "${block.type}" (block ${block.id})`);
        return `[Unsupported Notion block: ${block.type}]`;
    }
  }

  private table(block: NotionBlock): string {
    const table = this.payload<{ has_column_header?: boolean; table_width?: number }>(block);
    const rows = (block.children ?? [])
      .filter((row) => row.type === 'table_row')
      .map((row) =>
        (this.payload<{ cells?: NotionRichText[][] }>(row).cells ?? []).map((cell) =>
          richTextToMarkdown(cell).replaceAll('|', '\\|').replaceAll('\n', ' '),
        ),
      );
    const width = Math.max(table.table_width ?? 0, ...rows.map((row) => row.length), 1);
    const line = (cells: string[]) =>
      `| ${Array.from({ length: width }, (_, index) => cells[index] ?? '').join(' | ')} |`;
    // GitHub tables need a header row; without a column header it stays empty.
    const header = table.has_column_header && rows.length > 0 ? rows.shift()! : [];
    return [line(header), line(Array<string>(width).fill('---')), ...rows.map(line)].join('\n');
  }
}

/** Renders a page's block tree as Markdown, with a warning for each block it could not render. */
export function blocksToMarkdown(
  blocks: readonly NotionBlock[],
  options: MarkdownOptions = { childPages: 'inline' },
): MarkdownResult {
  const renderer = new Renderer(options);
  const markdown = renderer.blocks(blocks);
  return { markdown, warnings: renderer.warnings };
}

/** A page's title: the text of its `title` property, whatever that property is called. */
export function pageTitle(properties: Record<string, unknown>): string {
  for (const value of Object.values(properties)) {
    const property = value as { type?: string; title?: NotionRichText[] };
    if (property?.type === 'title') return richTextToPlain(property.title);
  }
  return '';
}

/**
 * Database properties as plain values, in the original format: select → its name
 * (Type: "Leaf"), multi-select → names (Type: ["Node"]), text → plain text, and so on.
 */
export function simplifyProperties(properties: Record<string, unknown>): Record<string, unknown> {
  const simplified: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(properties)) {
    const property = value as { type: string } & Record<string, unknown>;
    if (!property || typeof property.type !== 'string') continue;
    const raw = property[property.type];
    switch (property.type) {
      case 'title':
        continue; // The title is metadata.title.
      case 'rich_text':
        simplified[name] = richTextToPlain(raw as NotionRichText[]);
        break;
      case 'select':
      case 'status':
        simplified[name] = (raw as { name?: string } | null)?.name ?? null;
        break;
      case 'multi_select':
        simplified[name] = ((raw as { name: string }[] | null) ?? []).map((option) => option.name);
        break;
      case 'date':
        simplified[name] = (raw as { start?: string } | null)?.start ?? null;
        break;
      case 'people':
        simplified[name] = ((raw as { id: string; name?: string }[] | null) ?? []).map(
          (person) => person.name ?? person.id,
        );
        break;
      case 'relation':
        simplified[name] = ((raw as { id: string }[] | null) ?? []).map((relation) =>
          relation.id.replaceAll('-', ''),
        );
        break;
      case 'formula': {
        const formula = raw as ({ type: string } & Record<string, unknown>) | null;
        simplified[name] = formula ? (formula[formula.type] ?? null) : null;
        break;
      }
      case 'files':
        simplified[name] = ((raw as FileObject[] | null) ?? []).map(
          (file) => fileUrl(file) ?? file.name,
        );
        break;
      default:
        // number, checkbox, url, email, phone_number, created_time, last_edited_time, ...
        simplified[name] = raw ?? null;
    }
  }
  return simplified;
}
