// Where the attempts' HTTP requests are made. On the relay's main thread the durable queue's SQLite
// work (claims, outcomes, the attempt log) and the HTTP of the attempts took turns on one core; the
// requests now go out from a thread of their own (send-thread-host.ts), so the two overlap on a
// machine with a second core. Measured on the delivery benchmark: see BENCHMARKS.md "Delivery".
// Everything else about an attempt (what to send, signing, what an answer means, recording it)
// stays on the main thread: only send.ts's sendTo() moves, with its behaviour unchanged.
import { Worker } from 'node:worker_threads';
import type { Dispatcher } from 'undici';
import type { Redactor } from '../util/redact.js';
import { notSent, sendTo, type SendResult, type Shutdown, type Target } from './send.js';
import { createDeliveryAgent } from './target-safety.js';
import type { SendRequest, ToHost, ToMain } from './send-thread-protocol.js';

export interface AttemptInput {
  body: string;
  /** This attempt's own headers, on top of the target's. */
  headers: Record<string, string>;
  timeoutMs: number;
  shutdown: Shutdown;
  /** Cuts the subscription's secrets out of the answer's excerpt and headers. */
  redactor: Redactor;
}

/** Makes an attempt's HTTP request (send.ts's sendTo), here or on another thread. */
export interface AttemptSender {
  /** Null when attempts can go out at once, else a promise of when they can (a thread starting). */
  ready(): Promise<void> | null;
  send(target: Target, input: AttemptInput): Promise<SendResult>;
  /** Ends what it holds (connections, the thread) once no attempt is in flight any more. */
  close(): Promise<void>;
}

/** On the calling thread, through the given undici dispatcher. */
export class DirectSender implements AttemptSender {
  constructor(private readonly dispatcher: Dispatcher & { close?: () => Promise<void> }) {}

  ready(): null {
    return null;
  }

  send(target: Target, input: AttemptInput): Promise<SendResult> {
    return sendTo(target, { ...input, dispatcher: this.dispatcher });
  }

  async close(): Promise<void> {
    await this.dispatcher.close?.();
  }
}

// Plain JavaScript (eval), as the checkpointer's thread: it loads the host module as the main thread
// loaded this one, from dist/ as JavaScript, or from src/ through tsx (tests, `node --import tsx`).
const BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.module).catch(async (err) => {
  if (!err || err.code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !workerData.tsx) throw err;
  (await import(workerData.tsx)).register();
  await import(workerData.module + '?tsx'); // a new URL: the failed import stays cached under the old one
});
`;

const FROM_SOURCES = import.meta.url.endsWith('.ts');
const HOST = new URL(`./send-thread-host${FROM_SOURCES ? '.ts' : '.js'}`, import.meta.url).href;
/** tsx's loader, for a thread that runs the TypeScript sources (only there: dist/ needs none). */
const TSX = FROM_SOURCES ? import.meta.resolve('tsx/esm/api') : null;

/**
 * On a thread of its own, started when the first attempts are about to go out (ready()). Attempts
 * launched in one event-loop turn go to the thread in one message, and their answers come back the
 * same way. Should the thread die, its attempts in flight end as not answered (retried as any
 * network failure) and the next attempt starts a new one; should it not start at all, attempts are
 * made here instead (DirectSender), which is slower but sends the same requests.
 */
export class ThreadSender implements AttemptSender {
  private thread: { worker: Worker; ready: boolean; started: Promise<void>; exited: Promise<void> } | null = null;
  private fallback: DirectSender | null = null;
  private nextId = 1;
  private nextKey = 1;
  private readonly waiting = new Map<number, (r: SendResult) => void>();
  /** Each target object's key on the thread (attempt.ts makes one per subscription object). */
  private readonly keys = new WeakMap<Target, number>();
  /** Keys the current thread knows (a new thread learns them again). */
  private known = new Set<number>();
  /** A target no attempt can use any more is forgotten on the thread too. */
  private readonly gone = new FinalizationRegistry<number>((key) => {
    if (this.thread && this.known.delete(key)) (this.queue().forget ??= []).push(key);
  });
  /** Each shutdown set's key on the thread (one per delivery worker; tests share a thread among relays). */
  private readonly shutdownKeys = new WeakMap<Shutdown, number>();
  private nextShutdownKey = 1;
  private batch: ToHost | null = null;

  constructor(
    private readonly opts: {
      allowPrivate: boolean;
      /** Told when the thread fails, or cannot start (attempts are then made on the main thread). */
      onThreadError?: (err: Error) => void;
      /** The module the thread runs (tests: one that cannot load). */
      host?: string;
    },
  ) {}

  /** Null once attempts can go out at once; else when they can (the thread is starting). */
  ready(): Promise<void> | null {
    if (this.fallback) return null;
    const t = this.start();
    return t.ready ? null : t.started;
  }

  send(target: Target, input: AttemptInput): Promise<SendResult> {
    if (this.fallback) return this.fallback.send(target, input);
    const early = notSent(target, input.shutdown);
    if (early) return Promise.resolve(early);
    const shutdownKey = this.watch(input.shutdown);
    const key = this.keyOf(target, input.redactor);
    const id = this.nextId++;
    const request: SendRequest = [id, key, shutdownKey, input.headers, input.body, input.timeoutMs];
    (this.queue().sends ??= []).push(request);
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  async close(): Promise<void> {
    await this.fallback?.close();
    const t = this.thread;
    if (!t) return;
    t.worker.ref(); // until it has exited: an unreferenced thread would let the process end first
    t.worker.postMessage({ close: true } satisfies ToHost);
    const forced = setTimeout(() => void t.worker.terminate(), 5000);
    await t.exited;
    clearTimeout(forced);
  }

  /** A shutdown cuts its attempts on the thread short too; returns the set's key there. */
  private watch(shutdown: Shutdown): number {
    let key = this.shutdownKeys.get(shutdown);
    if (key === undefined) {
      const k = (key = this.nextShutdownKey++);
      this.shutdownKeys.set(shutdown, k);
      shutdown.add(() => this.thread?.worker.postMessage({ abort: [k] } satisfies ToHost));
    }
    return key;
  }

  private keyOf(target: Target, redactor: Redactor): number {
    let key = this.keys.get(target);
    if (key === undefined) {
      key = this.nextKey++;
      this.keys.set(target, key);
      this.gone.register(target, key);
    }
    if (!this.known.has(key)) {
      this.known.add(key);
      (this.queue().targets ??= []).push([key, target, redactor.spec()]);
    }
    return key;
  }

  /** The batch for this event-loop turn, posted once the turn's synchronous work is over. */
  private queue(): ToHost {
    if (this.batch) return this.batch;
    const batch: ToHost = {};
    this.batch = batch;
    queueMicrotask(() => {
      this.batch = null;
      this.start().worker.postMessage(batch);
    });
    return batch;
  }

  private start(): NonNullable<ThreadSender['thread']> {
    if (this.thread) return this.thread;
    const worker = new Worker(BOOT, { eval: true, workerData: { module: this.opts.host ?? HOST, tsx: TSX, allowPrivate: this.opts.allowPrivate } });
    worker.unref();
    let markStarted!: () => void;
    const t = { worker, ready: false, started: new Promise<void>((r) => (markStarted = r)), exited: Promise.resolve() };
    let failure: Error | null = null;
    worker.on('message', (m: ToMain) => {
      if (m.ready) {
        t.ready = true;
        markStarted();
      }
      for (const [id, result] of m.results ?? []) {
        const resolve = this.waiting.get(id);
        this.waiting.delete(id);
        resolve?.(result);
      }
    });
    worker.on('error', (err) => {
      failure = err;
      this.opts.onThreadError?.(err);
    });
    t.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        if (this.thread === t) this.thread = null;
        this.known = new Set();
        if (!t.ready) {
          // It never started: send from here from now on.
          this.fallback = new DirectSender(createDeliveryAgent({ allowPrivate: this.opts.allowPrivate }));
          if (!failure) this.opts.onThreadError?.(new Error('the delivery thread ended before it started'));
        }
        for (const [id, done] of this.waiting) {
          this.waiting.delete(id);
          done({ statusCode: null, error: 'not answered: the delivery thread stopped', responseExcerpt: null, responseHeaders: null, durationMs: 0, retryAfterHeader: null });
        }
        markStarted();
        resolve();
      }),
    );
    this.thread = t;
    return t;
  }
}
