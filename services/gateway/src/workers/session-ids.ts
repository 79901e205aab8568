import { randomUUID } from 'node:crypto';

/**
 * A worker session's id, as joinSession gives it out: `ses-` and a random UUID. Nothing keeps the
 * ids a node had, so only the form tells an id never given out from one another worker's join
 * replaced: an id of another form was never a session of any node.
 */
export function newSessionId(): string {
  return `ses-${randomUUID()}`;
}

const GIVEN_OUT = /^ses-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether joinSession could have given out `id`. */
export function couldBeSessionId(id: string): boolean {
  return GIVEN_OUT.test(id);
}
