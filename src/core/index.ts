/** The shared kernel (see src/core/README.md): errors, codes, clock, ids, durations. */
export { SwitchyardError, isSwitchyardError, type ErrorDetails } from './errors.js';
export { ERROR_CODES, type ErrorCode } from './error-codes.js';
export { randomId } from './ids.js';
export { createLogger, silentLogger, type Logger, type LogLevel } from './logger.js';
export {
  type Clock,
  type TimerHandle,
  systemClock,
  ManualClock,
  flushMicrotasks,
} from '../resilience/clock.js';
export { parseDuration, type Duration } from '../resilience/options.js';
