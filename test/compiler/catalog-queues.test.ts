/**
 * Queues in the catalog: one namespace with tables, created and dropped by
 * COMPARE&SWAP like them, settings checked and stored canonically, and DROP QUEUE
 * removing the queue's rnd words and its lnr log (real files).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Catalog,
  catalogAddress,
  checkSetting,
  decodeRelation,
  encodeRelation,
  makeQueueDefinition,
  queueSettingsDefault,
  type QueueDefinition,
} from '../../compiler/catalog.js';
import { wordAddress } from '../../store/key.js';
import { LocalMemory } from '../../store/local-memory.js';
import { sqlstateOf, temporaryDirectoryPerTest } from '../store/helpers.js';

const directory = temporaryDirectoryPerTest('catalog-queues');
let memory: LocalMemory;
let catalog: Catalog;
beforeEach(() => {
  memory = LocalMemory.open(directory());
  catalog = new Catalog({ memory });
});
afterEach(async () => {
  await memory.close();
});

const users = { name: 'jobs', columns: [{ name: 'id', type: 'text' as const, notNull: true }], primaryKey: { hashColumn: 0 } };

describe('queues in the catalog', () => {
  it('creates a queue with default settings, found by lookupRelation and not by lookupTable', async () => {
    const result = await catalog.createQueue('acme', 'jobs', queueSettingsDefault);
    expect(result.created).toBe(true);
    expect(await catalog.lookupRelation('acme', 'jobs')).toMatchObject({ kind: 'queue', name: 'jobs', settings: { visibilitySeconds: 30 } });
    expect(await catalog.lookupTable('acme', 'jobs')).toBeUndefined();
  });

  it('shares one namespace with tables: a taken name is 42P07 either way, IF NOT EXISTS skips', async () => {
    await catalog.createQueue('acme', 'jobs', queueSettingsDefault);
    expect(await sqlstateOf(() => catalog.createTable('acme', users))).toBe('42P07');
    expect((await catalog.createTable('acme', users, { ifNotExists: true })).created).toBe(false);
    await catalog.createTable('acme', { ...users, name: 't' });
    expect(await sqlstateOf(() => catalog.createQueue('acme', 't', queueSettingsDefault))).toBe('42P07');
  });

  it('gives one success to two concurrent CREATE QUEUE of one name', async () => {
    const results = await Promise.allSettled([0, 1].map(() => new Catalog({ memory }).createQueue('acme', 'jobs', queueSettingsDefault)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((result) => result.status === 'rejected')).toMatchObject({ reason: { sqlstate: '42P07' } });
  });

  it('refuses DROP TABLE of a queue and DROP QUEUE of a table with 42809', async () => {
    await catalog.createQueue('acme', 'jobs', queueSettingsDefault);
    await catalog.createTable('acme', { ...users, name: 't' });
    expect(await sqlstateOf(() => catalog.dropTable('acme', 'jobs'))).toBe('42809');
    expect(await sqlstateOf(() => catalog.dropQueue('acme', 't'))).toBe('42809');
    expect(await sqlstateOf(() => catalog.dropQueue('acme', 'missing'))).toBe('42P01');
    expect(await catalog.dropQueue('acme', 'missing', { ifExists: true })).toEqual({ dropped: false, rowsDeleted: 0 });
  });

  it('drops the queue with its rnd words and its lnr log', async () => {
    await catalog.createQueue('acme', 'jobs', queueSettingsDefault);
    await memory.write(wordAddress({ account: 'acme', resource: 'jobs', resourceType: 'rnd', primaryKey: 'head' }), Buffer.from('7'));
    await memory.append({ account: 'acme', resource: 'jobs' }, Buffer.from('body'));
    expect(existsSync(join(directory(), 'lnr', 'acme', 'jobs'))).toBe(true);
    expect(await catalog.dropQueue('acme', 'jobs')).toEqual({ dropped: true, rowsDeleted: 1 });
    expect(existsSync(join(directory(), 'lnr', 'acme', 'jobs'))).toBe(false);
    expect(await memory.load(catalogAddress('acme', 'jobs'))).toBeUndefined();
    expect((await catalog.createQueue('acme', 'jobs', queueSettingsDefault)).created).toBe(true);
  });

  it('checks settings: bounds 22023, unknown names 42704', async () => {
    const definition = (settings: Partial<QueueDefinition['settings']>) =>
      makeQueueDefinition({ kind: 'queue', name: 'q', id: '0123456789abcdef', version: 1, settings: { ...queueSettingsDefault, ...settings }, state: 'ready' });
    expect(definition({ visibilitySeconds: 0 }).settings.visibilitySeconds).toBe(0);
    expect(await sqlstateOf(() => definition({ visibilitySeconds: -1 }))).toBe('22023');
    expect(await sqlstateOf(() => definition({ bodyBytesMax: 0 }))).toBe('22023');
    expect(await sqlstateOf(() => definition({ visibilitySeconds: 1.5 }))).toBe('22023');
    expect(await sqlstateOf(() => checkSetting('retention', 1))).toBe('42704');
  });

  it('encodes canonically and treats anything else in a catalog word as corruption (XX001)', async () => {
    const queue = makeQueueDefinition({ kind: 'queue', name: 'q', id: '0123456789abcdef', version: 1, settings: queueSettingsDefault, state: 'ready' });
    const bytes = encodeRelation(queue);
    expect(decodeRelation(bytes, 'test')).toEqual(queue);
    const text = bytes.toString();
    for (const corrupt of [text.replace('"queue"', '"view"'), text.replace('30', '"30"'), text.replace(',', ', '), text.replace('"ready"', '"gone"'), '[]', 'null']) {
      expect(await sqlstateOf(() => decodeRelation(Buffer.from(corrupt), 'test')), corrupt).toBe('XX001');
    }
  });
});
