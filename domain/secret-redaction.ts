// Secrets a process holds (tokens and keys from the configuration) must never reach an error
// message, a stack, a workflow history or a trace, even when a server echoes them back in its
// error body (some OpenAI-compatible proxies answer a refused key with the key itself). The
// configuration registers every secret it loads; failure messages pass through `redactSecrets`
// where they are made (SecondBrainError) and again where they leave for Temporal
// (activities/to-application-failure.ts), over the whole cause chain.

const secrets = new Map<string, string>();

/** Shorter values are not treated as secrets: they would redact ordinary words. */
const MIN_SECRET_CHARS = 8;

/** Remembers `value` (named `name`, e.g. NOTION_TOKEN) as a secret of this process. */
export function registerSecret(name: string, value: string | undefined): void {
  if (value === undefined || value.length < MIN_SECRET_CHARS) return;
  secrets.set(value, name);
  // An Authorization header or a log may carry it base64-encoded (Basic auth, dumps).
  secrets.set(Buffer.from(value, 'utf8').toString('base64'), `${name} (base64)`);
}

/** `text` with every registered secret replaced by `[redacted NAME]`. */
export function redactSecrets(text: string): string {
  if (secrets.size === 0) return text;
  let result = text;
  for (const [value, name] of secrets)
    if (result.includes(value)) result = result.split(value).join(`[redacted ${name}]`);
  return result;
}

/** Redacts, in place, the message and stack of `error` and of every cause below it. */
export function redactErrorChain(error: unknown): void {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current);) {
    seen.add(current);
    current.message = redactSecrets(current.message);
    if (current.stack) current.stack = redactSecrets(current.stack);
    current = current.cause;
  }
}
