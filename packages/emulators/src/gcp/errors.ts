import type { status } from '@grpc/grpc-js';

/** A gRPC status the emulator answers with. */
export class GcpError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}
