// Text from outside (an HTTP error body, a page's URL, a server's JSON `message`) must not grow
// what goes into Temporal: the server fails an activity whose heartbeat is over 2 MB, without
// retry, and every failure and result is kept in history. Each such string is cut here.

/** Most characters of a failure message kept in heartbeats, failures and results. */
export const MAX_MESSAGE_CHARS = 300;
/** Longest URL crawled or recorded; longer links are invalid (the common browser limit). */
export const MAX_URL_CHARS = 2_048;

/** `text` cut to `max` characters, saying how much was cut. */
export function boundText(text: string, max: number = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  const note = `… (${text.length - max} more characters)`;
  return `${text.slice(0, Math.max(0, max - note.length))}${note}`;
}
