/** pgbench runs a custom script with \set variables in each query mode; no transaction may fail. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminPassword, runProgram, serverPerTest } from './server-fixture.js';

const script = `\\set id random(1, 20)
\\set delta random(1, 5)
INSERT INTO counters (id, n) VALUES (:id, :delta) ON CONFLICT (id) DO UPDATE SET n = counters.n + :delta;
SELECT n FROM counters WHERE id = :id;
UPDATE counters SET n = n - 1 WHERE id = :id AND n > 1000;
`;

describe('pgbench', () => {
  const running = serverPerTest();

  it.each(['simple', 'extended', 'prepared'])('runs a custom script with -M %s and no failed transactions', async (mode) => {
    const { port, directory } = running();
    const client = await running().client();
    await client.query('CREATE TABLE counters (id int4 PRIMARY KEY, n int8)');
    const file = join(directory, 'script.sql');
    writeFileSync(file, script);
    const result = await runProgram('pgbench', ['-h', '127.0.0.1', '-p', String(port), '-U', 'admin', '-n', '-f', file, '-M', mode, '-T', '2', '-c', '4', 'admin'], {
      env: { PGPASSWORD: adminPassword },
    });
    expect(result.stderr).not.toMatch(/error|fatal/i);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/number of failed transactions: 0 \(0\.000%\)/);
    const processed = Number(/number of transactions actually processed: (\d+)/.exec(result.stdout)![1]);
    expect(processed).toBeGreaterThan(0);
    const { rows } = await client.query('SELECT n FROM counters WHERE id = $1', [1]);
    expect(rows.length).toBeLessThanOrEqual(1);
  });
});
