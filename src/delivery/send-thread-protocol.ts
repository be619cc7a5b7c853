// The messages between send-thread.ts (the relay's main thread) and send-thread-host.ts (the thread
// that makes the attempts' HTTP requests): plain data, structured-cloned.
import type { RedactorOptions } from '../util/redact.js';
import type { SendResult, Target } from './send.js';

/**
 * One attempt: its id, its target's key, the shutdown set it belongs to (one per delivery worker),
 * the headers of this attempt, the body, its timeout.
 */
export type SendRequest = [id: number, targetKey: number, shutdownKey: number, headers: Record<string, string>, body: string, timeoutMs: number];

export interface ToHost {
  /** Targets first used in this batch, with what cuts their secrets out of answers. */
  targets?: Array<[key: number, target: Target, redactor: { secrets: string[]; options: RedactorOptions }]>;
  /** Targets no attempt will use again. */
  forget?: number[];
  sends?: SendRequest[];
  /** These shutdown sets' attempts in flight are cut short, and their new ones refused. */
  abort?: number[];
  /** Cut every attempt short, close the agent and end the thread. */
  close?: true;
}

export interface ToMain {
  ready?: true;
  results?: Array<[id: number, result: SendResult]>;
}
