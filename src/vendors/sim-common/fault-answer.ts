// Plays a scripted fault (SimFaultAction) as a Hono middleware step: error answers in the vendor's own
// shape, and the failures a Response object cannot express (resets, hangs, bodies that stall) done on
// the Node socket underneath @hono/node-server.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Context, Next } from 'hono';
import type { SimFaultAction } from './types.js';

/** The vendor's error body for a status, given its reason phrase (e.g. `{message: "Bad Gateway"}`). */
export type ErrorBodyOf = (status: number, reason: string) => unknown;

const DEFAULT_STALL_MS = 60_000;
const DEFAULT_TRICKLE_MS = 300;

/**
 * What the route's fault gate does instead of (or around) `next()`. A returned Response is the answer;
 * undefined means the answer is already in `c.res`.
 */
export async function answerWithFault(c: Context, next: Next, fault: SimFaultAction, errorBody: ErrorBodyOf): Promise<Response | undefined> {
  switch (fault.kind ?? 'status') {
    case 'status':
      return statusAnswer(fault, errorBody);
    case 'reset': {
      const { incoming } = nodeOf(c);
      // An RST, as a crashing proxy or a killed backend gives, rather than an orderly FIN.
      incoming.socket.resetAndDestroy();
      return alreadySent();
    }
    case 'hang':
      holdThenDrop(nodeOf(c).incoming, fault.stallMs);
      return alreadySent();
    case 'stall-body': {
      const { incoming, outgoing } = nodeOf(c);
      await next();
      const real = c.res;
      const bytes = Buffer.from(await real.arrayBuffer());
      const headers: Record<string, string> = {};
      real.headers.forEach((v, k) => (headers[k] = v));
      // The full length is announced, so the client knows the body is unfinished and waits for the rest.
      headers['content-length'] = String(bytes.length);
      outgoing.writeHead(real.status, headers);
      outgoing.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      holdThenDrop(incoming, fault.stallMs);
      replaceAnswer(c, alreadySent(real.status));
      return undefined;
    }
    case 'trickle': {
      const { outgoing } = nodeOf(c);
      await next();
      const real = c.res;
      const bytes = Buffer.from(await real.arrayBuffer());
      const headers: Record<string, string> = {};
      real.headers.forEach((v, k) => (headers[k] = v));
      headers['content-length'] = String(bytes.length);
      outgoing.writeHead(real.status, headers);
      // Never idle for long, so no per-read timeout fires: only a deadline on the whole body stops it.
      let sent = 0;
      const timer = setInterval(() => {
        if (outgoing.destroyed) return clearInterval(timer);
        outgoing.write(bytes.subarray(sent, ++sent));
        if (sent >= bytes.length) {
          clearInterval(timer);
          outgoing.end();
        }
      }, fault.trickleMs ?? DEFAULT_TRICKLE_MS);
      timer.unref();
      outgoing.once('close', () => clearInterval(timer));
      replaceAnswer(c, alreadySent(real.status));
      return undefined;
    }
    case 'rewrite': {
      await next();
      const real = c.res;
      const body = JSON.stringify(fault.rewrite ? fault.rewrite(await real.json()) : await real.json());
      const headers = new Headers(real.headers);
      headers.delete('content-length');
      replaceAnswer(c, new Response(body, { status: real.status, headers }));
      return undefined;
    }
  }
}

function statusAnswer(fault: SimFaultAction, errorBody: ErrorBodyOf): Response {
  const status = fault.status ?? 500;
  const headers = new Headers({ 'content-type': fault.contentType ?? 'application/json' });
  if (fault.retryAfterSeconds !== undefined) headers.set('retry-after', String(fault.retryAfterSeconds));
  const body = fault.body ?? JSON.stringify(errorBody(status, STATUS_CODES[status] ?? 'Error'));
  // The Fetch API refuses a body on these statuses; a fault asking for one gets an empty response.
  const bodyless = status === 204 || status === 205 || status === 304;
  return new Response(bodyless ? null : body, { status, headers });
}

/**
 * Tells @hono/node-server the socket is handled already (its x-hono-already-sent convention). The
 * status is only what the simulator's request log records: 599 for answers that never came.
 */
function alreadySent(status = 599): Response {
  return new Response(null, { status, headers: { 'x-hono-already-sent': 'true' } });
}

/** Hono's c.res setter merges the previous answer's headers into the new one; an unset first replaces it whole. */
function replaceAnswer(c: Context, res: Response): void {
  c.res = undefined;
  c.res = res;
}

/** Keeps the connection open and silent, then drops it (the server's close() drops it sooner). */
function holdThenDrop(incoming: IncomingMessage, stallMs = DEFAULT_STALL_MS): void {
  const socket = incoming.socket;
  const timer = setTimeout(() => socket.destroy(), stallMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

function nodeOf(c: Context): { incoming: IncomingMessage; outgoing: ServerResponse } {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  if (!env?.incoming?.socket || !env.outgoing) {
    throw new Error('socket-level faults (reset, hang, stall-body) need the simulator served by @hono/node-server');
  }
  return { incoming: env.incoming, outgoing: env.outgoing };
}
