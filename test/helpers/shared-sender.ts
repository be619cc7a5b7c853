// One send thread for all the in-process relays of a test file (per allowPrivateTargets): starting
// one under tsx costs ~0.5-0.8 s, and a file starts dozens of relays. Each relay's shutdown still
// cuts only its own attempts (src/delivery/send-thread.ts); the thread ends with the test process.
import { ThreadSender } from '../../src/delivery/send-thread.js';

const senders = new Map<boolean, ThreadSender>();

export function sharedSender(allowPrivate: boolean): ThreadSender {
  let sender = senders.get(allowPrivate);
  if (!sender) senders.set(allowPrivate, (sender = new ThreadSender({ allowPrivate })));
  return sender;
}
