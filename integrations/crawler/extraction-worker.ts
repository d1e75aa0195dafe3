// Page extraction (linkedom, Readability, turndown) is synchronous and can take far longer than
// fetching: a 3 MB page took 22 s and about 1 GB on the main thread, where it also stopped the
// activity's heartbeats and every other page of the batch. It runs here on worker threads
// instead, one page at a time per thread, each with a time budget: a page over budget fails as
// an extraction error and the thread is replaced, so one page can never stall a batch.
//
// The threads form one pool per crawler port (one per worker process), shared by every crawl
// of the process and kept warm between crawls: a fresh thread costs its start (tsx, linkedom,
// Readability, turndown) and runs its first pages with cold code, which made an ETL of eight
// 100-page batches take about 1.8x as long as one 800-page crawl (bench/etl). Sharing also
// keeps CPU use bounded: two batches crawled at once use the same threads as one. An idle
// thread is unreferenced, so it never keeps a process alive, and is stopped after IDLE_STOP_MS
// (it starts again on the next page).
import { Worker } from 'node:worker_threads';
import type { ExtractedPage } from './content-extraction.js';
import type { ExtractionJob } from './extraction-thread.js';

const THREAD_MODULE = new URL('./extraction-thread.ts', import.meta.url).href;
const TSX_API = import.meta.resolve('tsx/esm/api');
// The thread loads TypeScript through tsx's loader, registered in the thread itself (a worker
// does not inherit loaders registered with module.register in the parent).
const BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(THREAD_MODULE)}); });`;
const STARTUP_LIMIT_MS = 60_000;
/** How long an unleased thread stays warm for the next crawl. */
const IDLE_STOP_MS = 30_000;
/**
 * Pages posted to a thread at once: the running one and the next, which waits in the
 * thread's own message queue, so the thread starts it as soon as it finishes instead of
 * waiting for this (main) thread to receive the answer and post again; a busy event loop
 * (the ETL's writes, crawlee, a garbage collection) would otherwise leave it idle meanwhile.
 */
const THREAD_DEPTH = 2;

/** An HTML response body as fetched, with the charset its header declared. */
export interface HtmlBody {
  bytes: Uint8Array;
  charset: string | undefined;
}

export class ExtractionTimeoutError extends Error {
  constructor(url: string, budgetMs: number) {
    super(`extracting ${url} took longer than ${budgetMs / 1000} s`);
    this.name = 'ExtractionTimeoutError';
  }
}

/**
 * How long a queued page may be passed over for the pages of earlier crawls: after this it
 * goes first, so a later crawl is slowed, never starved.
 */
const PASS_OVER_LIMIT_MS = 5_000;

/** One crawl's account with the extraction threads. */
export interface ExtractionTime {
  /** Milliseconds the threads spent on this crawl's pages (posted to answered). */
  busyMs: number;
  /**
   * The crawl's start order in the process: a queued page of an earlier crawl goes before one
   * of a later crawl (first come, first served otherwise, and after PASS_OVER_LIMIT_MS). Two
   * overlapping crawls (an ETL's batches) then do not progress in lockstep and end together,
   * leaving the threads idle while both hand over to the next batches: the earlier one ends
   * first, and the later one has pages fetched and queued while the next one starts.
   */
  order?: number;
}

interface Pending {
  job: ExtractionJob;
  budgetMs: number;
  queuedAt: number;
  time?: ExtractionTime;
  resolve: (page: ExtractedPage) => void;
  reject: (error: Error) => void;
}

export class ExtractionWorker {
  private thread: Worker | undefined;
  private ready: Promise<Worker> | undefined;
  private readonly queue: Pending[] = [];
  /**
   * Pages posted to the thread, in order: the first is running, the next waits in the
   * thread's own message queue (see THREAD_DEPTH).
   */
  private readonly posted: Pending[] = [];
  /** The thread the posted pages were sent to: only its failure fails them. */
  private postedTo: Worker | undefined;
  /** The running page's budget. */
  private timer: NodeJS.Timeout | undefined;
  /** When the running page started (its predecessor's answer arrived, or it was posted). */
  private startedAt = 0;
  private pumping = false;
  private nextId = 1;
  private closed = false;
  /** Runs while the thread has nothing to do; stops it when it fires. */
  private idleTimer: NodeJS.Timeout | undefined;

  /** Pages queued or posted to this worker's thread. */
  get load(): number {
    return this.queue.length + this.posted.length;
  }

  /** Extracts one page; it fails with ExtractionTimeoutError after `budgetMs` on the thread. */
  extract(
    body: HtmlBody,
    url: string,
    budgetMs: number,
    time?: ExtractionTime,
  ): Promise<ExtractedPage> {
    if (this.closed) return Promise.reject(new Error('the extraction worker is closed'));
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    return new Promise((resolve, reject) => {
      this.queue.push({
        job: { id: this.nextId++, bytes: body.bytes, charset: body.charset, url },
        budgetMs,
        queuedAt: performance.now(),
        time,
        resolve,
        reject,
      });
      void this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.timer);
    for (const pending of [...this.posted.splice(0), ...this.queue.splice(0)])
      pending.reject(new Error('the extraction worker is closed'));
    await this.stopThread();
  }

  private start(): Promise<Worker> {
    this.ready ??= new Promise<Worker>((resolve, reject) => {
      const thread = new Worker(BOOTSTRAP, { eval: true });
      // A running page always has its budget timer, which keeps the process alive meanwhile.
      thread.unref();
      this.thread = thread;
      const startup = setTimeout(() => {
        reject(new Error('the extraction worker did not start'));
        void thread.terminate();
      }, STARTUP_LIMIT_MS);
      thread.on(
        'message',
        (message: { ready?: boolean; id?: number; page?: ExtractedPage; error?: string }) => {
          if (message.ready) {
            clearTimeout(startup);
            resolve(thread);
            return;
          }
          const running = this.posted[0];
          if (this.postedTo !== thread || !running || running.job.id !== message.id) return;
          this.finishRunning();
          if (message.error !== undefined) running.reject(new Error(message.error));
          else running.resolve(message.page!);
          void this.pump();
        },
      );
      thread.once('error', (error) => {
        clearTimeout(startup);
        reject(error);
        this.fail(thread, error);
      });
      thread.once('exit', () => {
        clearTimeout(startup);
        if (this.thread === thread) {
          this.thread = undefined;
          this.ready = undefined;
        }
        reject(new Error('the extraction worker exited'));
        this.fail(thread, new Error('the extraction worker exited'));
      });
    });
    return this.ready;
  }

  /** Keeps the thread supplied: up to THREAD_DEPTH pages posted, the rest queued here. */
  private async pump(): Promise<void> {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      while (this.posted.length < THREAD_DEPTH && this.queue.length > 0) {
        let thread: Worker;
        try {
          thread = await this.start();
        } catch (error) {
          // The thread could not start: the page that would have gone first fails.
          this.takeNext()?.reject(error as Error);
          continue;
        }
        if (this.closed) return;
        const next = this.takeNext();
        if (!next) break;
        if (this.postedTo !== thread) this.postedTo = thread;
        this.posted.push(next);
        if (this.posted.length === 1) this.startRunning();
        thread.postMessage(next.job);
      }
      if (this.posted.length === 0 && this.queue.length === 0 && this.thread && !this.idleTimer) {
        this.idleTimer = setTimeout(() => {
          this.idleTimer = undefined;
          if (this.load === 0) void this.stopThread();
        }, IDLE_STOP_MS);
        this.idleTimer.unref();
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The queued page to run next: the earliest crawl's, unless one has waited too long. */
  private takeNext(): Pending | undefined {
    if (this.queue.length === 0) return undefined;
    const overdue = performance.now() - PASS_OVER_LIMIT_MS;
    let best = 0;
    for (let index = 0; index < this.queue.length; index++) {
      const candidate = this.queue[index]!;
      // The queue is in arrival order: the first overdue page is the longest waiting one.
      if (candidate.queuedAt <= overdue) {
        best = index;
        break;
      }
      const order = candidate.time?.order ?? 0;
      if (order < (this.queue[best]!.time?.order ?? 0)) best = index;
    }
    return this.queue.splice(best, 1)[0];
  }

  /**
   * The first posted page is running from now: its budget starts (when it reaches the thread,
   * not when it was queued; a page posted behind another starts when that one's answer comes).
   */
  private startRunning(): void {
    const running = this.posted[0];
    if (!running) return;
    this.startedAt = performance.now();
    this.timer = setTimeout(() => {
      if (this.posted[0] !== running) return;
      this.finishRunning();
      running.reject(new ExtractionTimeoutError(running.job.url, running.budgetMs));
      // The pages posted behind it never started: they go back to the front of the queue.
      this.requeuePosted();
      void this.stopThread().then(() => this.pump());
    }, running.budgetMs);
  }

  /** The running page is done: its time is counted and the next posted page starts. */
  private finishRunning(): void {
    const running = this.posted.shift();
    if (running?.time) running.time.busyMs += performance.now() - this.startedAt;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.posted.length > 0) this.startRunning();
  }

  private requeuePosted(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.unshift(...this.posted.splice(0));
    this.postedTo = undefined;
  }

  private fail(thread: Worker, error: Error): void {
    // A failed thread takes no more pages: the next ones go to a new thread.
    if (this.thread === thread) {
      this.thread = undefined;
      this.ready = undefined;
      void thread.terminate().catch(() => undefined);
    }
    if (this.postedTo !== thread || this.posted.length === 0) return;
    const running = this.posted.shift()!;
    if (running.time) running.time.busyMs += performance.now() - this.startedAt;
    running.reject(error);
    this.requeuePosted();
    void this.pump();
  }

  private async stopThread(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    this.ready = undefined;
    if (thread) await thread.terminate().catch(() => undefined);
  }
}

/**
 * A fixed set of extraction workers shared by every crawl of a process: each page goes to the
 * least loaded one, so concurrent crawls never start more threads than the pool has.
 */
export class ExtractionPool {
  private readonly workers: ExtractionWorker[];

  constructor(threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError('threads must be >= 1');
    this.workers = Array.from({ length: threads }, () => new ExtractionWorker());
  }

  /** Extracts one page on the least loaded thread (see ExtractionWorker.extract). */
  extract(
    body: HtmlBody,
    url: string,
    budgetMs: number,
    time?: ExtractionTime,
  ): Promise<ExtractedPage> {
    const worker = this.workers.reduce((best, candidate) =>
      candidate.load < best.load ? candidate : best,
    );
    return worker.extract(body, url, budgetMs, time);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}
