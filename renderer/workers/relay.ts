/**
 * Bytes read on a worker's behalf by whoever created it (the Electron host's file bytes
 * reach only the window): the worker asks with a `read` message, the answer comes back as a
 * `bytes` message. Used by the verify worker (asking the window) and by its segment workers
 * (asking the verify worker, which asks the window in turn).
 */
import type { RandomAccessBytes } from '../../shared/archive/source.ts';

export interface ReadRequest {
  readonly type: 'read';
  readonly requestId: number;
  readonly offset: number;
  readonly length: number;
}

export interface ReadAnswer {
  readonly type: 'bytes';
  readonly requestId: number;
  readonly bytes: Uint8Array | null;
  readonly error?: string;
}

export class ByteRelay {
  private nextRequestId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }
  >();

  constructor(private readonly ask: (request: ReadRequest) => void) {}

  bytes(size: number): RandomAccessBytes {
    return {
      size,
      read: (offset: number, length: number): Promise<Uint8Array> => {
        const requestId = this.nextRequestId++;
        return new Promise((resolve, reject) => {
          this.pending.set(requestId, { resolve, reject });
          this.ask({ type: 'read', requestId, offset, length });
        });
      },
    };
  }

  answer(message: ReadAnswer): void {
    const read = this.pending.get(message.requestId);
    this.pending.delete(message.requestId);
    if (!read) return;
    if (message.bytes) read.resolve(message.bytes);
    else read.reject(new Error(message.error ?? 'The host could not read the archive.'));
  }

  cancelAll(): void {
    for (const read of this.pending.values()) read.reject(new Error('cancelled'));
    this.pending.clear();
  }
}

/** Answers a read request from `bytes` through `reply`. */
export function answerRead(bytes: RandomAccessBytes, request: ReadRequest, reply: (answer: ReadAnswer) => void): void {
  bytes.read(request.offset, request.length).then(
    (read) => reply({ type: 'bytes', requestId: request.requestId, bytes: read }),
    (error: Error) => reply({ type: 'bytes', requestId: request.requestId, bytes: null, error: error.message }),
  );
}
