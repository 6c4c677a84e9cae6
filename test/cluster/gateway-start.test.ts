/**
 * Gateways starting together over one cluster: each creates the administrator unless it
 * exists, and they race for that one word. A create whose outcome is unknown (40003) or
 * that lost (40001) must look again, not stop the gateway.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { temporaryDirectoryPerTest } from '../store/helpers.js';
import { Accounts } from '../../wire/accounts.js';
import { createScramVerifier } from '../../wire/scram.js';
import { InProcessNodes } from './in-process-nodes.js';

const directory = temporaryDirectoryPerTest('gateway-start');
let nodes: InProcessNodes | undefined;
afterEach(async () => {
  await nodes?.close();
  nodes = undefined;
});

describe('gateways starting together', () => {
  it('all bootstrap the administrator, one of them creating it, under repeated races', async () => {
    nodes = await InProcessNodes.start(directory());
    for (let round = 0; round < 8; round++) {
      const name = `admin${round}`;
      const gateways = [0, 1, 2, 3].map(() => new Accounts(nodes!.memory(), { scramIterations: 16 }));
      const outcomes = await Promise.all(gateways.map((accounts) => accounts.bootstrapAdmin(name, 'secret')));
      expect(outcomes.every((outcome) => outcome === 'created' || outcome === 'existing')).toBe(true);
      expect(outcomes.filter((outcome) => outcome === 'created').length).toBeLessThanOrEqual(1);
      const stored = await gateways[0]!.lookup(name);
      expect(stored?.admin).toBe(true);
      const { salt, iterations, storedKey } = stored!.verifier;
      expect(createScramVerifier('secret', { salt, iterations }).storedKey.equals(storedKey)).toBe(true);
    }
  }, 60_000);
});
