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

function sqlExamples(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## SQL (`compiler/`)'), readme.indexOf('\n## ', readme.indexOf('## SQL (`compiler/`)') + 1));
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
