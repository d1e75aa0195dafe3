// The token side channel: the answer as far as the model has generated it goes to
// `turn_live_text` (one document per turn, replaced), at most every LIVE_TEXT_INTERVAL_MS, and
// `serve` streams it to the UI. The durable answer is the update's result; a failed write here
// only costs the live view, so it is logged once and never fails the step.
import { log } from '@temporalio/activity';
import type { Collection } from 'mongodb';
import type { LiveTextRecord } from '../../integrations/mongo/stores/agent-turns.js';

/** Smooth to read, light on MongoDB. */
const LIVE_TEXT_INTERVAL_MS = 120;

/**
 * Collects the model's text as it streams; `visible` maps the raw reply to what a reader should
 * see (the `answer` string of a partial JSON reply, or plain prose as it is).
 */
export function liveTextWriter(
  collection: Collection<LiveTextRecord>,
  turnId: string,
  step: number,
  visible: (raw: string) => string = (raw) => raw.trim(),
) {
  let raw = '';
  let written = '';
  let lastWrite = 0;
  let pending: Promise<void> = Promise.resolve();
  let warned = false;
  const write = () => {
    const text = visible(raw);
    if (!text || text === written) return;
    written = text;
    lastWrite = Date.now();
    pending = pending
      .then(() =>
        collection
          .updateOne({ _id: turnId }, { $set: { step, text, at: new Date() } }, { upsert: true })
          .then(() => undefined),
      )
      .catch((error: unknown) => {
        if (!warned) log.warn('Live answer text not written', { turnId, error: String(error) });
        warned = true;
      });
  };
  return {
    push(piece: string): void {
      raw += piece;
      if (Date.now() - lastWrite >= LIVE_TEXT_INTERVAL_MS) write();
    },
    /** Shows `text` as the draft now (e.g. the checked answer replacing the raw one). */
    replace(text: string): void {
      raw = text;
      write();
    },
    async flush(): Promise<void> {
      write();
      await pending;
    },
  };
}
