/**
 * The TCP edge of the frontend: a node:net listener that gives each socket a Connection
 * (wire/connection.ts), feeds it the socket's bytes and writes what it answers, with
 * backpressure both ways (a full socket makes the connection wait for 'drain'; a client
 * that pipelines faster than it reads has its input paused). A socket that errors or
 * closes mid-message or mid-result only ends its own connection.
 *
 * TLS: with a certificate and key, SSLRequest is answered 'S' and the socket is wrapped
 * in a node:tls server socket; without, 'N'.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { Catalog } from '../compiler/catalog.js';
import type { Memory } from '../store/memory.js';
import { Accounts } from './accounts.js';
import { Connection, SessionRegistry, type ConnectionTransport, type ServerServices } from './connection.js';
import { YieldingMemory } from './yielding-memory.js';

/** Default of --max-connections: PostgreSQL's max_connections default. */
export const connectionsMaxDefault = 100;

export interface WireServerOptions {
  readonly memory: Memory;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly connectionsMax?: number | undefined;
  /** statement_timeout default in milliseconds; 0 for none. */
  readonly statementTimeoutMilliseconds?: number | undefined;
  /** PEM certificate and key: enables TLS (SSLRequest answered 'S'). */
  readonly tls?: { readonly cert: Buffer | string; readonly key: Buffer | string } | undefined;
  /** SCRAM iterations for verifiers this server creates (tests lower it). */
  readonly scramIterations?: number | undefined;
}

export class WireServer {
  readonly accounts: Accounts;
  readonly registry: SessionRegistry;
  private readonly server: Server;
  private readonly services: ServerServices;
  private readonly secureContext: SecureContext | undefined;
  private readonly open = new Set<Connection>();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: WireServerOptions) {
    const memory = new YieldingMemory(options.memory);
    this.accounts = new Accounts(memory, { scramIterations: options.scramIterations });
    this.registry = new SessionRegistry(options.connectionsMax ?? connectionsMaxDefault, cryptoRandomBytes);
    this.services = {
      memory,
      catalog: new Catalog({ memory }),
      accounts: this.accounts,
      registry: this.registry,
      mockSecret: cryptoRandomBytes(32),
      randomBytes: cryptoRandomBytes,
      statementTimeoutMilliseconds: options.statementTimeoutMilliseconds ?? 0,
      setTimer: (milliseconds, callback) => {
        const timer = setTimeout(callback, milliseconds);
        return () => clearTimeout(timer);
      },
    };
    this.secureContext = options.tls === undefined ? undefined : createSecureContext({ cert: options.tls.cert, key: options.tls.key });
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** Listens; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : this.options.port);
      });
    });
  }

  /** Stops listening, lets each in-flight statement finish, ends every session (FATAL 57P01). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.open].map((connection) => connection.shutdown()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    let stream: Socket | TLSSocket = socket;
    const onData = (chunk: Buffer): void => connection.receive(chunk);
    const transport: ConnectionTransport = {
      write: (bytes) =>
        new Promise<void>((resolve) => {
          if (stream.destroyed || !stream.writable) return resolve();
          if (stream.write(bytes)) return resolve();
          // Resolve on drain, or when the socket goes away (nothing more to wait for).
          const done = (): void => {
            stream.off('drain', done);
            stream.off('close', done);
            resolve();
          };
          stream.once('drain', done);
          stream.once('close', done);
        }),
      end: () => stream.end(),
      pauseInput: () => stream.pause(),
      resumeInput: () => stream.resume(),
      startTls:
        this.secureContext === undefined
          ? undefined
          : async () => {
              socket.off('data', onData);
              const secure = new TLSSocket(socket, { isServer: true, secureContext: this.secureContext });
              stream = secure;
              secure.on('data', onData);
              secure.on('error', () => secure.destroy());
              await new Promise<void>((resolve) => {
                secure.once('secure', resolve);
                secure.once('close', resolve);
              });
            },
    };
    const connection = new Connection(this.services, transport);
    this.open.add(connection);
    socket.on('data', onData);
    // An error (reset, broken pipe) is the client's problem: close that connection only.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.open.delete(connection);
      connection.disconnected();
    });
  }
}
