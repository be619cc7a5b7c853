// The messages between send-thread.ts (the relay's main thread) and send-thread-host.ts (the thread
// that makes the attempts' HTTP requests): plain data, structured-cloned.
import type { RedactorOptions } from '../util/redact.js';
import type { SendResult, Target } from './send.js';

/** One attempt: its id, its target's key, the headers of this attempt, the body, its timeout. */
export type SendRequest = [id: number, targetKey: number, headers: Record<string, string>, body: string, timeoutMs: number];

export interface ToHost {
  /** Targets first used in this batch, with what cuts their secrets out of answers. */
  targets?: Array<[key: number, target: Target, redactor: { secrets: string[]; options: RedactorOptions }]>;
  /** Targets no attempt will use again. */
  forget?: number[];
  sends?: SendRequest[];
  /** Cut every attempt in flight short, and refuse new ones (shutdown). */
  abort?: true;
  /** Close the agent and end the thread. */
  close?: true;
}

export interface ToMain {
  ready?: true;
  results?: Array<[id: number, result: SendResult]>;
}
