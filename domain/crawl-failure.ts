// Why a crawl target produced no page. The crawler classifies its errors into these; the ETL
// counts them and lists them in its failure report.

export const CRAWL_FAILURE_REASONS = [
  'not-found',
  'http-error',
  'server-error',
  'timeout',
  'too-many-redirects',
  'too-large',
  'unsupported-content-type',
  'forbidden-address',
  'robots-txt',
  'network-error',
  'extraction-error',
] as const;

export type CrawlFailureReason = (typeof CRAWL_FAILURE_REASONS)[number];
