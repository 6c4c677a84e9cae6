import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectoryPerTest } from '../store/helpers.js';
import { startServer } from '../dmachine-process.js';
import { runProgram } from '../wire/server-fixture.js';
import { runCli } from './run-cli.js';

describe('dmachine start', () => {
  const directory = temporaryDirectoryPerTest('start');

  it('serves psql with admin/admin, data in ./data, and stops cleanly on SIGTERM', async () => {
    const server = startServer(['--port', '0'], { cwd: directory() });
    const url = await server.ready;
    expect(url).toMatch(/^postgres:\/\/admin:admin@127\.0\.0\.1:\d+\/admin$/);
    const result = await runProgram('psql', [url, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', 'CREATE TABLE t (id int4 PRIMARY KEY)', '-c', 'INSERT INTO t VALUES (1)', '-c', 'SELECT id FROM t']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('CREATE TABLE\nINSERT 0 1\n1\n');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('dmachine: stopped');
    expect(existsSync(join(directory(), 'data', 'rnd.sqlite'))).toBe(true);

    // The data and the account survive a restart.
    const again = startServer(['--port', '0', '--data', join(directory(), 'data')], { cwd: directory() });
    const second = await runProgram('psql', [await again.ready, '-X', '-A', '-t', '-c', 'SELECT id FROM t']);
    expect(second.stdout).toBe('1\n');
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('runs a local cluster with --nodes 3: three node processes, this one their gateway, all stopped together', async () => {
    const data = join(directory(), 'cluster');
    const server = startServer(['--port', '0', '--nodes', '3', '--data', data], { cwd: directory() });
    const url = await server.ready;
    expect(server.output()).toContain('local cluster of 3 node processes');
    const result = await runProgram('psql', [url, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', 'CREATE TABLE t (id int4 PRIMARY KEY, v text)', '-c', "INSERT INTO t VALUES (1, 'replicated')", '-c', 'SELECT v FROM t WHERE id = 1']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('CREATE TABLE\nINSERT 0 1\nreplicated\n');
    const cluster = JSON.parse(readFileSync(join(data, 'cluster.json'), 'utf8')) as { replicas: number; nodes: { id: string; address: string }[] };
    expect(cluster.replicas).toBe(3);
    expect(cluster.nodes.map((node) => node.id)).toEqual(['n1', 'n2', 'n3']);
    for (const node of cluster.nodes) expect(existsSync(join(data, node.id, 'rnd.sqlite'))).toBe(true);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // The nodes went with it: nothing answers on their ports.
    for (const node of cluster.nodes) {
      await expect(fetch(`http://${node.address}/health`)).rejects.toThrow();
    }
    // And the cluster comes back from its file, data included.
    const again = startServer(['--port', '0', '--nodes', '3', '--data', data], { cwd: directory() });
    const second = await runProgram('psql', [await again.ready, '-X', '-A', '-t', '-c', 'SELECT v FROM t WHERE id = 1']);
    expect(second.stdout).toBe('replicated\n');
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  }, 60_000);

  it('uses DMACHINE_ADMIN_PASSWORD and refuses a non-loopback address without it', async () => {
    const refused = runCli(['start', '--host', '0.0.0.0', '--port', '0', '--data', join(directory(), 'data')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('DMACHINE_ADMIN_PASSWORD');
    const server = startServer(['--port', '0'], { cwd: directory(), env: { DMACHINE_ADMIN_PASSWORD: 's3cret' } });
    const url = await server.ready;
    expect(url).toMatch(/^postgres:\/\/admin@/);
    const denied = await runProgram('psql', [url, '-X', '-c', 'SELECT 1'], { env: { PGPASSWORD: 'admin' } });
    expect(denied.stderr).toContain('password authentication failed');
    const allowed = await runProgram('psql', [url, '-X', '-A', '-t', '-c', 'SELECT 1'], { env: { PGPASSWORD: 's3cret' } });
    expect(allowed.stdout).toBe('1\n');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('lists every flag in --help', () => {
    const result = runCli(['--help']);
    expect(result.status).toBe(0);
    for (const flag of ['--host', '--port', '--data', '--nodes', '--max-connections', '--statement-timeout', '--tls-cert', '--tls-key', 'DMACHINE_ADMIN_PASSWORD', 'dmachine node', 'dmachine gateway', '--cluster', '--id']) {
      expect(result.stdout).toContain(flag);
    }
  });
});
