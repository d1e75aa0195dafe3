// What identifies the version of a web page the ETL stored, so the next crawl can ask "changed
// since?" (If-None-Match / If-Modified-Since) or, for a site that sends neither, recognise the
// same bytes before extracting them again.

export interface PageValidators {
  /** The ETag header the page was served with. */
  etag?: string;
  /** The Last-Modified header the page was served with. */
  lastModified?: string;
  /** sha256 of the body as downloaded (before decoding). */
  bodyHash?: string;
}
