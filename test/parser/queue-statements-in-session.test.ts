/**
 * The queue statements parse before the compiler knows them: until it does, a
 * session refuses each with 0A000 naming the statement, as it refuses any
 * statement kind it has no compiler for, and nothing crashes.
 */
import { describe, expect, it } from 'vitest';
import type { SqlSession } from '../../compiler/session.js';
import { openSessionPerTest, sessionQueries } from '../compiler/session-fixture.js';

let session: SqlSession;
openSessionPerTest('parser-queue-session', (_memory, created) => {
  session = created;
});
const { failure } = sessionQueries(() => session);

describe('queue statements in a session before the compiler has them', () => {
  it.each([
    ['CREATE QUEUE q', 'CREATE QUEUE'],
    ['DROP QUEUE IF EXISTS q', 'DROP QUEUE'],
    ["ENQUEUE INTO q VALUES ('x')", 'ENQUEUE'],
    ['DEQUEUE FROM q LIMIT 1', 'DEQUEUE'],
    ['READ FROM q VISIBILITY 30', 'READ'],
    ['ACK q 1', 'ACK'],
  ])('%s is 0A000 "%s is not supported yet"', async (sql, name) => {
    expect(await failure(sql)).toEqual({ sqlstate: '0A000', message: `${name} is not supported yet` });
  });

  it('EXPLAIN of one is 0A000 too', async () => {
    expect(await failure('EXPLAIN DEQUEUE FROM q')).toMatchObject({ sqlstate: '0A000' });
  });
});
