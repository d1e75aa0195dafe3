// Fetches a page's whole block tree: every block with children gets them, across all result
// pages, recursively. Child pages are followed up to `maxDepth` levels; deeper ones, and child
// pages the integration cannot read, stay as links.
import { SecondBrainError } from '../../domain/errors.js';
import type { NotionBlock } from '../../domain/notion-markdown.js';
import type { NotionGateway } from './notion-client.js';

/** Guards against pathological nesting; Notion's own editor stops far earlier. */
const MAX_BLOCK_NESTING = 30;

export interface BlockTreeOptions {
  /** How many levels of child pages to inline (0: none). */
  maxDepth: number;
  /** In 'link' mode child pages are never fetched. */
  childPages: 'inline' | 'link';
}

export interface BlockTree {
  blocks: NotionBlock[];
  warnings: string[];
}

export async function fetchBlockTree(
  notion: NotionGateway,
  pageId: string,
  options: BlockTreeOptions,
): Promise<BlockTree> {
  const warnings: string[] = [];

  async function children(
    blockId: string,
    pageDepth: number,
    nesting: number,
  ): Promise<NotionBlock[]> {
    const blocks = await notion.listBlockChildren(blockId);
    for (const block of blocks) {
      if (!block.has_children || nesting >= MAX_BLOCK_NESTING) continue;
      if (block.type === 'child_database') continue; // Its rows are pages of their own.
      if (block.type === 'child_page') {
        if (options.childPages === 'link' || pageDepth >= options.maxDepth) continue;
        try {
          block.children = await children(block.id, pageDepth + 1, nesting + 1);
        } catch (error) {
          // A child page that is not shared with the integration stays a link.
          if (error instanceof SecondBrainError && !error.retryable) {
            warnings.push(`Child page ${block.id} skipped: ${error.message}`);
            continue;
          }
          throw error;
        }
        continue;
      }
      // A synced block's copy holds no children of its own: they live under the original.
      const synced =
        block.type === 'synced_block'
          ? (block.synced_block as { synced_from?: { block_id?: string } | null } | undefined)
              ?.synced_from?.block_id
          : undefined;
      block.children = await children(synced ?? block.id, pageDepth, nesting + 1);
    }
    return blocks;
  }

  const blocks = await children(pageId, 0, 0);
  return { blocks, warnings };
}
