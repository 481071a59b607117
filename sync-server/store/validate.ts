/** Every replicated document is checked against its collection's core schema before it is written. */
import { COLLECTIONS, type CollectionDoc, type CollectionName } from '../../core/index.js';

/** A document failed its collection's schema: a bug in the caller, named precisely. */
export class StoreValidationError extends Error {
  constructor(
    readonly collection: string,
    readonly field: string,
    message: string,
  ) {
    super(`${collection}.${field}: ${message}`);
    this.name = 'StoreValidationError';
  }
}

/**
 * The document as its schema parses it (defaults filled in, unknown fields dropped): what is
 * stored. `which` names the document in a batch, only when it fails.
 */
export function validated<C extends CollectionName>(collection: C, doc: unknown, which?: () => string): CollectionDoc<C> & { id: string } {
  const parsed = COLLECTIONS[collection].schema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const message = issue?.message ?? 'invalid';
    throw new StoreValidationError(collection, issue?.path.join('.') || '(document)', which ? `${message} (${which()})` : message);
  }
  return parsed.data as CollectionDoc<C> & { id: string };
}
