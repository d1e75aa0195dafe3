import type { Command } from 'commander';
import { loadConfig } from '../../config/environment.js';
import { importDocuments } from '../../integrations/import/document-importer.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import { note, printJson, printLine } from './output.js';

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'Import existing exports (a folder of JSON documents, or a zip such as notion.zip / crawled.zip) into S3 documents/. Exits 1 when any file was invalid.',
    )
    .argument('<path>', 'a folder (searched recursively), a .zip archive or a .json file')
    .option('--json', 'print {"imported": n, "skipped": n, "failed": [{"file", "error"}]}')
    .action(async (source: string, options: { json?: boolean }) => {
      const config = loadConfig();
      const storage = createObjectStorage(config.s3);
      try {
        note(`Importing documents from ${source} into s3://${config.s3.bucket}/documents/`);
        const result = await importDocuments(storage, source, { limits: config.import });
        if (options.json) {
          printJson({ imported: result.imported, skipped: result.skipped, failed: result.failed });
        } else {
          printLine(
            `Imported ${result.imported} document${result.imported === 1 ? '' : 's'}, skipped ${result.skipped} unchanged, ${result.failed.length} failed.`,
          );
          for (const failure of result.failed) printLine(`  ${failure.file}: ${failure.error}`);
          printLine(`Manifest: ${result.manifestKey}`);
        }
        if (result.failed.length > 0) process.exitCode = 1;
      } finally {
        storage.close();
      }
    });
}
