/** Accounts: the admin manages users; each user sees only its own tables, through every statement. */
import { describe, expect, it } from 'vitest';
import { wordAddressOfText } from '../../store/key.js';
import { accountAddress } from '../../wire/accounts.js';
import { serverPerTest } from './server-fixture.js';

describe('accounts', () => {
  const running = serverPerTest();

  it('stores a salted SCRAM verifier, never the password, and lets the user log in', async () => {
    const admin = await running().client();
    await admin.query("CREATE USER alice PASSWORD 'correct horse'");
    const word = await running().memory.load(accountAddress('alice'));
    const stored = word!.value.toString('utf8');
    expect(stored).not.toContain('correct horse');
    expect(stored).toMatch(/SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$/);
    const alice = await running().client('alice', 'correct horse');
    expect((await alice.query('SHOW session_authorization')).rows).toEqual([{ session_authorization: 'alice' }]);
    expect((await alice.query('SHOW is_superuser')).rows).toEqual([{ is_superuser: 'off' }]);
    await expect(running().client('alice', 'wrong')).rejects.toMatchObject({ code: '28P01' });
  });

  it('changes and drops users (admin only; others get 42501)', async () => {
    const admin = await running().client();
    await admin.query("CREATE USER bob PASSWORD 'one'");
    await expect(admin.query("CREATE USER bob PASSWORD 'two'")).rejects.toMatchObject({ code: '42710' });
    await admin.query("ALTER USER bob PASSWORD 'two'");
    await expect(running().client('bob', 'one')).rejects.toMatchObject({ code: '28P01' });
    const bob = await running().client('bob', 'two');
    await expect(bob.query("CREATE USER eve PASSWORD 'x'")).rejects.toMatchObject({ code: '42501' });
    await expect(bob.query("ALTER USER admin PASSWORD 'x'")).rejects.toMatchObject({ code: '42501' });
    await expect(bob.query('DROP USER admin')).rejects.toMatchObject({ code: '42501' });
    await expect(admin.query('CREATE USER dm_system PASSWORD \'x\'')).rejects.toMatchObject({ code: '42939' });
    await expect(admin.query('DROP USER admin')).rejects.toMatchObject({ code: '55006' });
    await bob.query('CREATE TABLE notes (id int4 PRIMARY KEY)');
    await expect(admin.query('DROP USER bob')).rejects.toMatchObject({ code: '2BP01' });
    await bob.query('DROP TABLE notes');
    await admin.query('DROP USER bob');
    await expect(admin.query('DROP USER bob')).rejects.toMatchObject({ code: '42704' });
    await admin.query('DROP USER IF EXISTS bob');
    await expect(running().client('bob', 'two')).rejects.toMatchObject({ code: '28P01' });
  });

  it('keeps every table of a user invisible to the others, EXPLAIN included', async () => {
    const admin = await running().client();
    await admin.query("CREATE USER ann PASSWORD 'a'");
    await admin.query("CREATE USER ben PASSWORD 'b'");
    const ann = await running().client('ann', 'a');
    const ben = await running().client('ben', 'b');
    await ann.query('CREATE TABLE secrets (id int4 PRIMARY KEY, body text)');
    await ann.query("INSERT INTO secrets (id, body) VALUES (1, 'ann only')");
    const attempts = [
      'SELECT * FROM secrets',
      'SELECT body FROM secrets WHERE id = 1',
      "INSERT INTO secrets (id, body) VALUES (2, 'from ben')",
      "UPDATE secrets SET body = 'changed' WHERE id = 1",
      'DELETE FROM secrets WHERE id = 1',
      'EXPLAIN SELECT * FROM secrets WHERE id = 1',
      'EXPLAIN ANALYZE DELETE FROM secrets WHERE id = 1',
      'DROP TABLE secrets',
      'SELECT * FROM public.secrets',
      'SELECT * FROM ann.secrets',
    ];
    for (const sql of attempts) {
      const error = await ben.query(sql).then(() => undefined, (failure: { code: string }) => failure);
      expect(error, sql).toBeDefined();
      expect(['42P01', '3F000'], `${sql}: ${JSON.stringify(error)}`).toContain(error!.code);
    }
    await expect(ben.query({ text: 'SELECT * FROM secrets WHERE id = $1', values: [1] })).rejects.toMatchObject({ code: '42P01' });
    // A table of the same name is ben's own.
    await ben.query('CREATE TABLE secrets (id int4 PRIMARY KEY, body text)');
    expect((await ben.query('SELECT * FROM secrets')).rows).toEqual([]);
    await ben.query("INSERT INTO secrets (id, body) VALUES (1, 'ben only')");
    expect((await ann.query('SELECT body FROM secrets WHERE id = 1')).rows).toEqual([{ body: 'ann only' }]);
    expect((await ben.query('SELECT body FROM secrets WHERE id = 1')).rows).toEqual([{ body: 'ben only' }]);
    // The rows are stored under each user's own account.
    expect(await running().memory.load(wordAddressOfText('ann/secrets/rnd/1'))).toBeDefined();
    expect(await running().memory.load(wordAddressOfText('ben/secrets/rnd/1'))).toBeDefined();
  });
});
