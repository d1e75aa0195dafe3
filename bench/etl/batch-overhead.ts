// Where the ETL's crawl time goes, without Temporal or storage: the same pages crawled in one
// crawl call (the plain script of run.ts) and in batch-sized calls (what the ETL's crawl
// activities make), with each call's time to its first outcome (start-up cost).
//
//   node --import tsx bench/etl/batch-overhead.ts [--pages 800] [--batch-size 100]
import { documentIdForUrl } from '../../domain/document.js';
import { canonicalizeUrl } from '../../domain/url-canonicalization.js';
import { createPageCrawler, type CrawlTarget } from '../../integrations/crawler/page-crawler.js';
import { benchCrawlSettings, manualPages, serveManual } from './postgres-docs-site.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

async function main(): Promise<void> {
  const pageCount = option('pages', 800);
  const batchSize = option('batch-size', 100);
  const { server, origin } = await serveManual();
  const targets: CrawlTarget[] = manualPages(pageCount).map((name) => {
    const url = canonicalizeUrl(`${origin}/${name}`)!;
    return { key: documentIdForUrl(url), url };
  });
  const settings = benchCrawlSettings(16);
  const crawler = createPageCrawler();
  const crawl = async (slice: CrawlTarget[]) => {
    const start = performance.now();
    let first = 0;
    let pages = 0;
    await crawler.crawl(slice, settings, async (outcome) => {
      first ||= performance.now() - start;
      if (outcome.kind === 'page') pages++;
      await Promise.resolve();
    });
    return { pages, seconds: (performance.now() - start) / 1000, firstMs: Math.round(first) };
  };
  const whole = await crawl(targets);
  const batches = [];
  for (let index = 0; index < targets.length; index += batchSize)
    batches.push(await crawl(targets.slice(index, index + batchSize)));
  const batchSeconds = batches.reduce((sum, batch) => sum + batch.seconds, 0);
  process.stdout.write(
    `one call: ${whole.pages} pages in ${whole.seconds.toFixed(1)} s; ` +
      `${batches.length} calls of ${batchSize}: ${batches.reduce((sum, batch) => sum + batch.pages, 0)} pages in ${batchSeconds.toFixed(1)} s; ` +
      `first outcome of each call (ms): ${batches.map((batch) => batch.firstMs).join(', ')}\n`,
  );
  server.close();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
