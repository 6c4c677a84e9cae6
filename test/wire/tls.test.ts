/** TLS: with a certificate and key, SSLRequest gets 'S' and sslmode=require works; without, 'N'. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgram, serverPerTest } from './server-fixture.js';

const certificateDirectory = mkdtempSync(join(tmpdir(), 'dmachine-tls-'));
let tls: { cert: Buffer; key: Buffer } | undefined;

beforeAll(async () => {
  const cert = join(certificateDirectory, 'cert.pem');
  const key = join(certificateDirectory, 'key.pem');
  const made = await runProgram('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert]);
  expect(made.code).toBe(0);
  tls = { cert: readFileSync(cert), key: readFileSync(key) };
});

afterAll(() => rmSync(certificateDirectory, { recursive: true, force: true }));

describe('TLS configured', () => {
  const running = serverPerTest({ tls: { get cert() { return tls!.cert; }, get key() { return tls!.key; } } });

  it('serves psql with sslmode=require and node-postgres over TLS', async () => {
    const result = await runProgram('psql', [`${running().url()}?sslmode=require`, '-X', '-A', '-t', '-c', 'SELECT 1']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('1\n');
    const client = new pg.Client({ connectionString: running().url(), ssl: { rejectUnauthorized: false } });
    await client.connect();
    expect((await client.query('SELECT $1::text AS t', ['secure'])).rows).toEqual([{ t: 'secure' }]);
    await client.end();
  });
});

describe('TLS not configured', () => {
  const running = serverPerTest();

  it('answers N, so sslmode=require fails and sslmode=prefer connects in plaintext', async () => {
    const required = await runProgram('psql', [`${running().url()}?sslmode=require`, '-X', '-c', 'SELECT 1']);
    expect(required.code).not.toBe(0);
    expect(required.stderr).toContain('server does not support SSL');
    const preferred = await runProgram('psql', [`${running().url()}?sslmode=prefer`, '-X', '-A', '-t', '-c', 'SELECT 1']);
    expect(preferred.stdout).toBe('1\n');
  });
});
