import { SwitchyardError } from '../core/errors.js';

/** A command line that cannot be understood: the CLI prints it and exits 2. */
export class UsageError extends SwitchyardError {
  constructor(message: string) {
    super('SY_CLI_USAGE', message);
  }
}
