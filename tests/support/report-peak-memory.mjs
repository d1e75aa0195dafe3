// Preloaded into a child process (NODE_OPTIONS=--import) by tests that bound memory: prints the
// process's peak resident set size when it exits, as `peak-rss-kib=<n>` on stderr.
process.on('exit', () => {
  process.stderr.write(`\npeak-rss-kib=${process.resourceUsage().maxRSS}\n`);
});
