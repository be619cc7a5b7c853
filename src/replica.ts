// Which process this is, among the replicas that may share one database.
import { hostname } from 'node:os';

/** LEADRELAY_REPLICA_ID, or hostname and pid: unique among live processes, new after a restart. */
export function replicaIdOf(env: NodeJS.ProcessEnv): string {
  const given = env.LEADRELAY_REPLICA_ID?.trim();
  return given ? given : `${hostname()}-${process.pid}`;
}
