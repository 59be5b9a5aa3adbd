import { SwitchyardError } from '../../core/errors.js';

/** A check or maintenance request named a service instance the registry does not have. */
export class UnknownServiceError extends SwitchyardError {
  constructor(readonly serviceId: string) {
    super('SY_REG_UNKNOWN_SERVICE', `unknown service ID "${serviceId}"`, {
      status: 404,
      details: { serviceId },
    });
  }
}

/** A check update or deregistration named a check the registry does not have. */
export class UnknownCheckError extends SwitchyardError {
  constructor(readonly checkId: string) {
    super('SY_REG_UNKNOWN_CHECK', `unknown check ID "${checkId}"`, {
      status: 404,
      details: { checkId },
    });
  }
}
