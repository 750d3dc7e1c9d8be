/** An error meant for the person at the terminal: printed as its message, no stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
    readonly code = 'E_CLI',
  ) {
    super(message);
    this.name = 'CliError';
  }
}
