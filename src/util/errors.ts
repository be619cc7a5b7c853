// One error type with a machine code and a message a user can act on; the API maps it to the error shape.
export class RelayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = 'RelayError';
  }
}
