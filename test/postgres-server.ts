/**
 * A throwaway PostgreSQL 15 server for side-by-side tests and benchmarks: initdb
 * into a temporary directory with the C.UTF-8 locale (text sorts by code point,
 * which is the UTF-8 byte order dmachine sorts by, and upper/lower know all of
 * Unicode as dmachine's do), started on a Unix socket only, stopped and removed
 * by `stop()`.
 * PostgreSQL refuses to run as root, so under root it runs as the `postgres`
 * user (or `nobody`), which then owns the directory.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface PostgresServer {
  /** The directory of the server's Unix socket: the `host` for clients. */
  readonly socketDirectory: string;
  readonly port: number;
  readonly user: 'postgres';
  stop(): void;
}

export interface StartPostgresOptions {
  /**
   * Keep PostgreSQL's default durability (fsync on, synchronous_commit on), as a
   * benchmark against dmachine's durable acknowledgements needs. The default
   * (false) runs with fsync=off, which is all the tests need and much faster.
   */
  readonly durable?: boolean;
}

/** Starts a server on `port` (a Unix socket in a fresh directory; no TCP). */
export function startPostgres(port: number, options: StartPostgresOptions = {}): PostgresServer {
  const directory = mkdtempSync(join(tmpdir(), 'dmachine-postgres-'));
  const runAs = userInfo().uid === 0 ? serviceUser() : undefined;
  if (runAs !== undefined) chownSync(directory, runAs.uid, runAs.gid);
  const run = (command: string, args: string[]): void => {
    const [file, argv] = runAs === undefined ? [command, args] : ['runuser', ['-u', runAs.name, '--', command, ...args]];
    execFileSync(file, argv, { cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const data = join(directory, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const serverOptions = `-p ${port} -k ${directory} -c listen_addresses=''${options.durable === true ? '' : ' -c fsync=off'}`;
  run('pg_ctl', ['-D', data, '-o', serverOptions, '-l', join(directory, 'log'), '-w', 'start']);
  return {
    socketDirectory: directory,
    port,
    user: 'postgres',
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}

function serviceUser(): { name: string; uid: number; gid: number } {
  for (const name of ['postgres', 'nobody']) {
    try {
      return { name, uid: idOf('-u', name), gid: idOf('-g', name) };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('PostgreSQL refuses to run as root and there is no postgres or nobody user to run it as');
}

function idOf(flag: '-u' | '-g', name: string): number {
  return Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
}
