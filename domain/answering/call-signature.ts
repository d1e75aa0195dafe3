// Two tool calls are the same call when they name the same tool with the same arguments, up to
// case, spacing and key order: small models repeat a search with a new call id and different
// capitals, and the loop must see that as a repeat.
import type { ToolCallInput } from '../agent.js';

/** The identity of a call: its tool and its arguments, whatever the call id. */
export function callSignature(call: Pick<ToolCallInput, 'name' | 'arguments'>): string {
  const normalize = (value: unknown): unknown =>
    typeof value === 'string'
      ? value.trim().toLowerCase().replace(/\s+/g, ' ')
      : Array.isArray(value)
        ? value.map(normalize)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([k, v]) => [k, normalize(v)]),
            )
          : value;
  return `${call.name}:${JSON.stringify(normalize(call.arguments ?? {}))}`;
}
