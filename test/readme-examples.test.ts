/**
 * The README's SQL examples run as written, in order, on a fresh session: the
 * front door must not show statements that fail.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { SqlSession } from '../compiler/session.js';
import { openSessionPerTest } from './compiler/session-fixture.js';

let session: SqlSession;
openSessionPerTest('readme-examples', (_memory, created) => {
  session = created;
});

function sqlExamples(title = '## SQL (`compiler/`)'): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf(title);
  expect(start).toBeGreaterThanOrEqual(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

it('runs every SQL example of the README', async () => {
  const examples = sqlExamples();
  expect(examples.length).toBeGreaterThanOrEqual(3);
  for (const example of examples) await session.execute(example);
  const [balance] = await session.execute("SELECT balance FROM accounts WHERE id = 'a'");
  expect(balance!.rows).toEqual([[90n]]);
  const [teams] = await session.execute('SELECT team, count(*) FROM users GROUP BY team ORDER BY team');
  expect(teams!.rows).toEqual([['blue', 1n], ['red', 2n]]);
});

it('runs the queue examples of the README, with the answers they describe', async () => {
  const [example] = sqlExamples('## Queues (`compiler/queue-*.ts`)');
  const results = await session.execute(example!);
  const byTag = (prefix: string) => results.find((result) => result.commandTag.startsWith(prefix))!;
  expect(byTag('ENQUEUE').rows).toEqual([[0n], [1n]]);
  expect(byTag('DEQUEUE').rows.map((row) => row[2])).toEqual(['{"task": 1}']);
  expect(byTag('READ').rows.map((row) => [row[0], row[3]])).toEqual([[1n, 1n]]);
  expect(byTag('ACK').rows).toEqual([[1n, 'acknowledged']]);
  expect(results.at(-2)!.rows).toEqual([[0n]]); // the depth: everything is done
  expect(results.at(-1)!.commandTag).toBe('DROP QUEUE');
});
