/** Raised when a row changed since it was read: another writer won, so reload and retry. */
export class ConflictError extends Error {
  readonly instanceId: string;
  /** The revision now stored, when known. */
  readonly currentRevision: number | undefined;

  constructor(instanceId: string, message: string, currentRevision?: number) {
    super(message);
    this.name = 'ConflictError';
    this.instanceId = instanceId;
    this.currentRevision = currentRevision;
  }
}

/** Raised when a referenced row does not exist. */
export class NotFoundError extends Error {
  readonly entity: string;
  readonly id: string;

  constructor(entity: string, id: string, hint = '') {
    super(`No ${entity} "${id}" exists.${hint ? ` ${hint}` : ''}`);
    this.name = 'NotFoundError';
    this.entity = entity;
    this.id = id;
  }
}

/** Raised for input that passed the schema but cannot be carried out, with what to do. */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/** Raised when the acting user may not make a change, with who may. */
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}
