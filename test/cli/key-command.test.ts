import { describe, expect, it } from 'vitest';
import { Placement } from '../../cluster/placement.js';
import { wordAddressOfText } from '../../store/key.js';
import { runCli } from './run-cli.js';

function field(stdout: string, label: string): string | undefined {
  return stdout
    .split('\n')
    .find((line) => line.startsWith(`${label} `))
    ?.slice(label.length)
    .trim();
}

describe('dmachine key', () => {
  it('prints the 128-hex-digit pointer and says there is no sort key', () => {
    const result = runCli(['key', 'acme/users/rnd/alice']);
    expect(result.status).toBe(0);
    const pointer = field(result.stdout, 'pointer')!;
    expect(pointer).toMatch(/^[0-9a-f]{128}$/);
    expect(pointer.startsWith('2fdffc5d0d4ebab1')).toBe(true);
    expect(field(result.stdout, 'sort key')).toBe('none');
    expect(field(result.stdout, 'replicas')).toBeUndefined();
  });

  it('prints the sort key and the replicas in rendezvous order', () => {
    const result = runCli(['key', 'acme/events/rnd/alice/2024-01-01', '--nodes', 'n1,n2,n3:2,n4', '--replicas', '2']);
    expect(result.status).toBe(0);
    expect(field(result.stdout, 'sort key')).toBe('"2024-01-01" (not hashed)');
    const expected = new Placement([
      { id: 'n1', weight: 1 },
      { id: 'n2', weight: 1 },
      { id: 'n3', weight: 2 },
      { id: 'n4', weight: 1 },
    ]).replicas(wordAddressOfText('acme/events/rnd/alice').pointer, 2);
    expect(field(result.stdout, 'replicas')).toBe(expected.join(' '));
  });

  it('defaults to 3 replicas, or every node when there are fewer', () => {
    expect(field(runCli(['key', 'a/b/rnd/c', '--nodes', 'x,y,z,w']).stdout, 'replicas')!.split(' ')).toHaveLength(3);
    expect(field(runCli(['key', 'a/b/rnd/c', '--nodes', 'x,y']).stdout, 'replicas')!.split(' ')).toHaveLength(2);
  });

  it('reports bad keys with a SQLSTATE and exit code 1', () => {
    const empty = runCli(['key', 'acme//rnd/alice']);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('ERROR 22023: the resource of a key must not be empty');
    expect(runCli(['key', 'acme/users/disk/alice']).stderr).toContain('unknown resourceType "disk"');
    expect(runCli(['key', `acme/users/rnd/${'x'.repeat(2000)}`]).stderr).toContain('ERROR 54000');
    expect(runCli(['key', 'a/b/rnd/c', '--nodes', 'x,y', '--replicas', '3']).stderr).toContain('from 1 to the number of nodes (2)');
  });

  it('reports usage mistakes with exit code 2', () => {
    expect(runCli(['key']).status).toBe(2);
    expect(runCli(['key', 'a/b/rnd/c', '--nodes', 'x:0']).stderr).toContain('bad weight');
    expect(runCli(['key', 'a/b/rnd/c', '--frobnicate']).status).toBe(2);
    expect(runCli(['nonsense']).stderr).toContain('unknown command "nonsense"');
  });

  it('lists every command in --help', () => {
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('dmachine key KEY');
    expect(help.stdout).toContain('dmachine start');
  });
});
