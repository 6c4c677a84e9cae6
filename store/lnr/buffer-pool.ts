/**
 * Buffers for encoding appends, reused between batches: a fresh 1 MiB buffer
 * costs page faults on every batch (measured: about as much time as encoding
 * its records). Small requests use Node's own shared slab instead.
 */

/** Below this, Buffer.allocUnsafe serves from Node's pool and reuse gains nothing. */
const pooledBytesMin = 4096;

export class BufferPool {
  private readonly free: Buffer[] = [];

  /**
   * @param buffersRetainedMax buffers kept for reuse at most
   * @param bufferBytesRetainedMax larger buffers are not kept: they would pin memory for every queue of a node
   */
  constructor(
    private readonly buffersRetainedMax = 4,
    private readonly bufferBytesRetainedMax = 4 * 1024 * 1024,
  ) {}

  /** A buffer of at least `bytes` bytes; its contents are arbitrary. */
  take(bytes: number): Buffer {
    if (bytes < pooledBytesMin) return Buffer.allocUnsafe(bytes);
    const index = this.free.findIndex((buffer) => buffer.length >= bytes);
    if (index >= 0) return this.free.splice(index, 1)[0]!;
    return Buffer.allocUnsafeSlow(bytes);
  }

  /** Hands a buffer from `take` back once nothing reads it any more. */
  give(buffer: Buffer): void {
    if (buffer.length < pooledBytesMin || buffer.length > this.bufferBytesRetainedMax) return;
    if (this.free.length >= this.buffersRetainedMax) return;
    this.free.push(buffer);
  }
}
